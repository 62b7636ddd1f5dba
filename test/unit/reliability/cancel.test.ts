// Cancel at ten seeded random points of a pull (planning, the download at a byte offset, the status wait, the
// wait before a fresh ZIP, extraction, the conflict prompt, placement), each reached through an event of the pull
// (a progress event, a request the emulator saw, the pause, the prompt), never a wall-clock timer. After each: the
// cancel landed in the phase it aimed at and no later phase began, an AbortError, the destination as it was (a
// cancel during placement too: the moves already made are undone), no temp files, and a retry that completes.
import assert from 'node:assert/strict';
import type { ConflictPrompter } from '../../../src/core/place/conflictPolicy';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import type { PullPhase } from '../../../src/core/pull/progress';
import { readTree } from '../../helpers/compareTrees';
import { createRandom } from '../../helpers/tree';
import {
  assertPulled,
  assertUnchanged,
  countRequests,
  makeClient,
  plantUserFiles,
  pullRequest,
  resetFaults,
  sourceFiles,
  startFixture,
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
  /** Wires the abort into the request at its point; `archiveBytes` is the archive's size in a clean run. */
  arm(context: ArmContext): Armed;
  /** Placement may finish before the cancel lands (the cancel came after the last move). */
  mayPlaceFiles?: boolean;
}

interface ArmContext {
  fixture: Fixture;
  controller: AbortController;
  random: () => number;
  archiveBytes: number;
}

interface Armed {
  request: Partial<PullRequest>;
  /** Asserts where the cancel landed: the last progress event before it, plus what the point itself saw. */
  check(landing: Landing): void;
}

/** The pipeline's last progress event when the abort fired. */
interface Landing {
  phase: PullPhase | 'before any progress';
  bytes: number;
  files: number;
}

const PHASES: Landing['phase'][] = [
  'before any progress',
  'preparing',
  'downloading',
  'extracting',
  'placing',
  'done',
];

function whereLanded(landing: Landing | undefined): string {
  return landing ? `${landing.phase}, ${landing.bytes} bytes, ${landing.files} files` : 'no cancel yet';
}

const DOWNLOAD_RATE = 1_000_000;

const POINTS: CancelPoint[] = [
  {
    name: 'while planning (right after the first API answer)',
    arm: ({ fixture, controller }) => {
      fixture.onRequest = (line) => line.startsWith('GET /2.0/folders/') && controller.abort();
      return { request: {}, check: (landing) => assert.equal(landing.phase, 'preparing') };
    },
  },
  {
    name: 'after a random byte offset of the download',
    arm: ({ fixture, controller, random, archiveBytes }) => {
      // Throttled so that progress events (about ten a second) come every ~50 KB: the first half of the archive
      // always has several, whatever the machine's load.
      fixture.emulator.faults.bytesPerSecond = DOWNLOAD_RATE / 2;
      const offset = Math.floor(random() * archiveBytes * 0.5);
      const completed = fixture.emulator.stats.downloadsCompleted;
      return {
        request: {
          onProgress: (progress) => {
            if (progress.phase === 'downloading' && progress.bytesDownloaded >= offset) controller.abort();
          },
        },
        check: (landing) => {
          assert.equal(landing.phase, 'downloading');
          assert.ok(landing.bytes >= offset && landing.bytes < archiveBytes, `${landing.bytes} bytes`);
          assert.equal(
            fixture.emulator.stats.downloadsCompleted,
            completed,
            'the cancel stopped the download',
          );
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
      return {
        request: { onProgress: () => ++seen === events && controller.abort() },
        // The first event announces the plan, the next ones the download.
        check: (landing) => assert.equal(landing.phase, events === 1 ? 'preparing' : 'downloading'),
      };
    },
  },
  {
    name: 'while waiting for the ZIP status',
    arm: ({ fixture, controller, random }) => {
      fixture.emulator.faults.statusInProgressPolls = 1000;
      const polls = 2 + Math.floor(random() * 3);
      const completed = fixture.emulator.stats.downloadsCompleted;
      let seen = 0;
      fixture.onRequest = (line) =>
        line.startsWith('GET /2.0/zip_downloads/:id/status') && ++seen === polls && controller.abort();
      return {
        request: { statusPoll: { maxPolls: 50, firstDelayMs: 20, maxDelayMs: 40 } },
        check: (landing) => {
          // The status is read once the bytes are in, alongside the end of the streaming pass (still shown as the
          // download) and the central directory pass ('extracting').
          assert.ok(['downloading', 'extracting'].includes(landing.phase), landing.phase);
          assert.equal(fixture.emulator.stats.downloadsCompleted - completed, 1, 'the download had ended');
          assert.equal(seen, polls);
        },
      };
    },
  },
  {
    name: 'while waiting to request a fresh ZIP after a cut stream',
    arm: ({ fixture, controller, random, archiveBytes }) => {
      fixture.emulator.faults.cutAfterBytes = Math.floor(random() * archiveBytes * 0.8);
      fixture.emulator.faults.cutDownloads = 1;
      const creates = countRequests(fixture, 'POST /2.0/zip_downloads');
      const turns = Math.floor(random() * 10);
      const pauses: number[] = [];
      return {
        request: {
          // The pause before a fresh ZIP lasts until the cancel, which comes a few event-loop turns into it.
          sleep: (ms, signal) => {
            pauses.push(ms);
            afterTurns(turns, () => controller.abort());
            return new Promise<void>((_resolve, reject) => {
              const stop = (): void => reject(signal?.reason);
              if (signal?.aborted) stop();
              else signal?.addEventListener('abort', stop, { once: true });
            });
          },
        },
        check: (landing) => {
          assert.deepEqual(pauses, [1000], 'cancelled in the pause after the first attempt');
          assert.equal(landing.phase, 'downloading');
          assert.equal(
            countRequests(fixture, 'POST /2.0/zip_downloads') - creates,
            1,
            'no fresh ZIP requested',
          );
        },
      };
    },
  },
  {
    name: 'during extraction',
    arm: ({ controller, random }) => {
      // At the first extracting event itself: a few turns later the central directory pass may already be done on a
      // busy machine (it only checks what streaming wrote), and the cancel would land in placing. The draw is kept
      // so that the later points stay where they were.
      random();
      let armed = false;
      return {
        request: {
          onProgress: (progress) => {
            if (armed || progress.phase !== 'extracting') return;
            armed = true;
            controller.abort();
          },
        },
        check: (landing) => assert.equal(landing.phase, 'extracting'),
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
      return {
        request: { conflictPolicy: 'ask', prompter },
        check: (landing) => {
          assert.equal(landing.phase, 'placing');
          assert.equal(asked, answerBeforeCancel + 1, 'no question after the cancel');
        },
      };
    },
  },
  {
    name: 'during placement',
    mayPlaceFiles: true,
    arm: ({ controller, random }) => {
      // A few turns at most: 90 files take at least six rounds of link + unlink at 16 in flight, so the cancel
      // still lands while files move, however busy the machine is.
      const turns = Math.floor(random() * 4);
      let armed = false;
      return {
        request: {
          onProgress: (progress) => {
            if (armed || progress.phase !== 'placing') return;
            armed = true;
            afterTurns(turns, () => controller.abort());
          },
        },
        check: (landing) => assert.equal(landing.phase, 'placing'),
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
      const armed = point.arm({ fixture, controller, random, archiveBytes });
      // Where the cancel landed (the last progress event before it), and the phases reported after it.
      let last: Landing = { phase: 'before any progress', bytes: 0, files: 0 };
      let landing: Landing | undefined;
      const phasesAfter = new Set<Landing['phase']>();
      controller.signal.addEventListener('abort', () => (landing = { ...last }));
      const request = pullRequest(fixture, makeClient(fixture), destination, {
        ...armed.request,
        signal: controller.signal,
        onProgress: (progress) => {
          if (landing) phasesAfter.add(progress.phase);
          last = { phase: progress.phase, bytes: progress.bytesDownloaded, files: progress.filesDone };
          armed.request.onProgress?.(progress);
        },
      });

      let outcome: 'cancelled' | 'finished';
      try {
        await pull(request);
        outcome = 'finished';
      } catch (error) {
        assert.equal((error as Error).name, 'AbortError', `${whereLanded(landing)}: got ${String(error)}`);
        outcome = 'cancelled';
      }
      assert.ok(landing, 'the cancel point was reached');
      const landedAt = whereLanded(landing);
      resetFaults(fixture);
      if (process.env.BOX_PULL_DEBUG_CANCEL) console.log(`      ${outcome} at ${landedAt}`);

      if (outcome === 'finished') {
        // Only placement may finish first: the cancel came after the last file had been moved.
        assert.ok(point.mayPlaceFiles, `the pull ignored a cancel at ${landedAt}`);
        await assertPulled(fixture, destination, user);
        return;
      }
      armed.check(landing);
      // The pipeline stopped where the cancel landed: no later phase began.
      for (const phase of phasesAfter) {
        assert.ok(
          PHASES.indexOf(phase) <= PHASES.indexOf(landing.phase),
          `${phase} began after a cancel at ${landedAt}`,
        );
      }
      // Placing is reversible until it ends: a cancel during the moves also leaves the destination as it was.
      await assertUnchanged(destination, before, `${point.name} (${landedAt})`);

      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });
  }
});
