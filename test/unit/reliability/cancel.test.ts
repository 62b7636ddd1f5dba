// Cancel at ten seeded random points of a pull (planning, the download at a byte offset, the status wait, the
// wait before a fresh ZIP, extraction, the conflict prompt, placement). After each: an AbortError, the destination
// as it was (placement may have finished some files: each is then complete and from Box), no temp files, and a
// retry that completes.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ConflictPrompter } from '../../../src/core/place/conflictPolicy';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import { readTree, type TreeListing } from '../../helpers/compareTrees';
import { createRandom } from '../../helpers/tree';
import {
  assertPulled,
  assertUnchanged,
  capturingLogger,
  makeClient,
  plantUserFiles,
  pullRequest,
  resetFaults,
  sourceFiles,
  startFixture,
  temporaryLeftovers,
  type Fixture,
} from './support';

const SEED = 20240611;
const CASES = 10;

/** Seeded (mulberry32), so that the ten points are the same on every run. */
const seededRandom = createRandom;

/** Resolves after `turns` turns of the event loop (so an abort lands between two I/O completions). */
function afterTurns(turns: number, then: () => void): void {
  if (turns <= 0) then();
  else setImmediate(() => afterTurns(turns - 1, then));
}

interface CancelPoint {
  name: string;
  /** Wires the abort into the request; `archiveBytes` is the archive's size in a clean run. */
  arm(context: ArmContext): Partial<PullRequest>;
  /** Placement moves complete files one by one: those already moved stay. */
  mayPlaceFiles?: boolean;
}

interface ArmContext {
  fixture: Fixture;
  controller: AbortController;
  random: () => number;
  archiveBytes: number;
}

const DOWNLOAD_RATE = 1_000_000;

const POINTS: CancelPoint[] = [
  {
    name: 'while planning (right after the first API answer)',
    arm: ({ fixture, controller }) => {
      fixture.onRequest = (line) => line.startsWith('GET /2.0/folders/') && controller.abort();
      return {};
    },
  },
  {
    name: 'after a random byte offset of the download',
    arm: ({ fixture, controller, random, archiveBytes }) => {
      fixture.emulator.faults.bytesPerSecond = DOWNLOAD_RATE;
      const offset = Math.floor(random() * archiveBytes * 0.9);
      let armed = false;
      return {
        onProgress: (progress) => {
          if (armed || progress.phase !== 'downloading') return;
          armed = true;
          setTimeout(() => controller.abort(), (offset / DOWNLOAD_RATE) * 1000);
        },
      };
    },
  },
  {
    name: 'after a random number of progress events',
    arm: ({ fixture, controller, random }) => {
      fixture.emulator.faults.bytesPerSecond = DOWNLOAD_RATE;
      const events = 1 + Math.floor(random() * 4);
      let seen = 0;
      return { onProgress: () => ++seen === events && controller.abort() };
    },
  },
  {
    name: 'while waiting for the ZIP status',
    arm: ({ fixture, controller, random }) => {
      fixture.emulator.faults.statusInProgressPolls = 1000;
      const polls = 2 + Math.floor(random() * 3);
      let seen = 0;
      fixture.onRequest = (line) =>
        line.startsWith('GET /2.0/zip_downloads/:id/status') && ++seen === polls && controller.abort();
      return { statusPoll: { maxPolls: 50, firstDelayMs: 20, maxDelayMs: 40 } };
    },
  },
  {
    name: 'while waiting to request a fresh ZIP after a cut stream',
    arm: ({ fixture, controller, random, archiveBytes }) => {
      fixture.emulator.faults.cutAfterBytes = Math.floor(random() * archiveBytes * 0.8);
      fixture.emulator.faults.cutDownloads = 1;
      const delay = Math.floor(random() * 600);
      const { logger } = capturingLogger((warning) => {
        if (/attempt 1 of/i.test(warning)) setTimeout(() => controller.abort(), delay);
      });
      // The real one-second pause, so that the cancel lands inside it.
      return { logger, sleep: undefined };
    },
  },
  {
    name: 'during extraction',
    arm: ({ controller, random }) => {
      const turns = Math.floor(random() * 40);
      let armed = false;
      return {
        onProgress: (progress) => {
          if (armed || progress.phase !== 'extracting') return;
          armed = true;
          afterTurns(turns, () => controller.abort());
        },
      };
    },
  },
  {
    name: 'at a conflict prompt',
    arm: ({ controller, random }) => {
      const answerBeforeCancel = Math.floor(random() * 2);
      let asked = 0;
      const prompter: ConflictPrompter = {
        decide: async () => {
          if (asked++ === answerBeforeCancel) controller.abort();
          return 'overwrite';
        },
      };
      return { conflictPolicy: 'ask', prompter };
    },
  },
  {
    name: 'during placement',
    mayPlaceFiles: true,
    arm: ({ controller, random }) => {
      const turns = Math.floor(random() * 12);
      let armed = false;
      return {
        onProgress: (progress) => {
          if (armed || progress.phase !== 'placing') return;
          armed = true;
          afterTurns(turns, () => controller.abort());
        },
      };
    },
  },
];

describe('reliability: cancel at random points', function () {
  let fixture: Fixture;
  let archiveBytes = 0;
  let firstFiles: string[] = [];

  before(async function () {
    fixture = await startFixture({ seed: 51, tree: { files: 90 } });
    const report = await pull(pullRequest(fixture, makeClient(fixture), fixture.freshDestination()));
    archiveBytes = report.bytesDownloaded;
    firstFiles = (await sourceFiles(fixture)).slice(0, 3);
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  /** After a cancel during placement, anything new must be a complete Box file or one of its folders. */
  async function assertOnlyCompleteBoxFiles(destination: string, before: TreeListing): Promise<void> {
    assert.deepEqual(await temporaryLeftovers(path.dirname(destination)), [], 'temp files left');
    const source = await readTree(fixture.source);
    const after = await readTree(destination);
    for (const [name, bytes] of before.files)
      assert.ok(after.files.get(name)?.equals(bytes), `${name} changed`);
    for (const [name, bytes] of after.files) {
      if (before.files.has(name)) continue;
      assert.ok(source.files.get(name)?.equals(bytes), `a new file that is not a complete Box file: ${name}`);
    }
    for (const directory of after.directories) {
      assert.ok(before.directories.has(directory) || source.directories.has(directory), directory);
    }
  }

  const random = seededRandom(SEED);
  for (let index = 0; index < CASES; index++) {
    const point = POINTS[index % POINTS.length];
    it(`case ${index + 1}: cancel ${point.name}`, async function () {
      const destination = fixture.freshDestination();
      const user = await plantUserFiles(destination, {
        'my notes.txt': 'mine',
        [firstFiles[0]]: 'my edit of a Box file',
        [firstFiles[1]]: 'another edit',
      });
      const before = await readTree(destination);
      const controller = new AbortController();
      const extra = point.arm({ fixture, controller, random, archiveBytes });
      // Where the cancel actually landed, for the failure messages.
      let progressNow = 'before any progress';
      let landedAt = '';
      controller.signal.addEventListener('abort', () => (landedAt = progressNow));
      const request = pullRequest(fixture, makeClient(fixture), destination, {
        ...extra,
        signal: controller.signal,
        onProgress: (progress) => {
          progressNow = `${progress.phase}, ${progress.bytesDownloaded} bytes, ${progress.filesDone} files`;
          extra.onProgress?.(progress);
        },
      });

      let outcome: 'cancelled' | 'finished';
      try {
        await pull(request);
        outcome = 'finished';
      } catch (error) {
        assert.equal((error as Error).name, 'AbortError', `${landedAt}: got ${String(error)}`);
        outcome = 'cancelled';
      }
      assert.ok(controller.signal.aborted, 'the cancel point was reached');
      resetFaults(fixture);
      if (process.env.BOX_PULL_DEBUG_CANCEL) console.log(`      ${outcome} at ${landedAt}`);

      if (outcome === 'finished') {
        // Only placement may finish first: the cancel came after the last file had been moved.
        assert.ok(point.mayPlaceFiles, `the pull ignored a cancel at ${landedAt}`);
        await assertPulled(fixture, destination, user);
        return;
      }
      if (point.mayPlaceFiles) await assertOnlyCompleteBoxFiles(destination, before);
      else await assertUnchanged(destination, before, `${point.name} (${landedAt})`);

      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });
  }
});
