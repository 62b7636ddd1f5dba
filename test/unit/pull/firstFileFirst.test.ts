// The planned path's first stream runs alone until its first file is in staging (planned.ts, runTasks): the other
// streams start then, at the hold's bound, or when the first stream ends, and a cancel or failure during the hold
// leaves nothing behind. The emulator freezes the first download mid-file so that each moment is certain; the
// hold's bound goes through the request's sleep, which these tests hold or let go.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { abortError } from '../../../src/core/abort';
import { FIRST_FILE_HOLD_MS } from '../../../src/core/pull/planned';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import { diffTrees } from '../../helpers/compareTrees';
import { emulatorFixture } from './support';

const FILE_BYTES = 300_000;
/** Inside the first file of any part's archive (random bytes: stored or deflated, about as long). */
const MID_FIRST_FILE = 50_000;
/**
 * Inside the second file of a part's archive, and past the 512 KiB window after the first file's start that the
 * streaming extractor reads to find the end of an entry that small: the first file is in staging.
 */
const MID_SECOND_FILE = FILE_BYTES + 260_000;

describe('planned pull: the first stream runs alone until its first file is in staging', function () {
  this.timeout(60_000);
  // Three folders of two files: three equal parts, one a stream.
  const fixture = emulatorFixture('box-pull-first-file-', async (root) => {
    for (const folder of ['a', 'b', 'c']) {
      await fs.mkdir(path.join(root, 'Three', folder), { recursive: true });
      for (const name of ['1.bin', '2.bin']) {
        await fs.writeFile(path.join(root, 'Three', folder, name), randomBytes(FILE_BYTES));
      }
    }
  });

  /** The hold's bound never passes (unless `boundPasses`); every other wait (retry backoff) passes at once. */
  function holdingSleep(boundPasses = false): PullRequest['sleep'] {
    return (ms, signal) => {
      if (ms !== FIRST_FILE_HOLD_MS || boundPasses) return Promise.resolve();
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(abortError(signal)), { once: true });
      });
    };
  }

  function request(extra: Partial<PullRequest> = {}): PullRequest {
    return {
      client: fixture.client(),
      items: [{ type: 'folder', id: fixture.emulator.idForPath('Three') }],
      destination: fixture.dest(),
      conflictPolicy: 'skip',
      options: { streams: 3, parallelFromBytes: 1 },
      sleep: holdingSleep(),
      ...extra,
    };
  }

  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** What the pull left in its destination: nothing of a staging folder. */
  async function leftIn(destination: string): Promise<string[]> {
    return fs.readdir(destination).catch(() => []);
  }

  it('the other streams start once the first file is in staging, while the first part still downloads', async function () {
    const { emulator } = fixture;
    emulator.faults.freezeAfterBytes = MID_FIRST_FILE;
    const running = pull(request());
    await until(() => (emulator.stats.downloadsFrozen ?? 0) >= 1, 'the first download to freeze');
    // Time for other requests to arrive, had they been sent: none is.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(emulator.stats.zipCreates, 1, 'only the first stream runs before its first file is in');
    // The first file goes through; the first part stops again inside its second file, so only that file can
    // have let the others go.
    emulator.faults.freezeAfterBytes = MID_SECOND_FILE;
    await until(() => emulator.stats.zipCreates === 3, 'the other streams to start');
    assert.equal(emulator.stats.downloadsCompleted, 0, 'the first part is still downloading');
    delete emulator.faults.freezeAfterBytes;
    const report = await running;
    assert.equal(report.plan!.parts.length, 3);
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Three'), report.destination), []);
  });

  it("a first file slower than the hold's bound lets the other streams go at the bound", async function () {
    const { emulator } = fixture;
    emulator.faults.freezeAfterBytes = MID_FIRST_FILE;
    const running = pull(request({ sleep: holdingSleep(true) }));
    await until(() => emulator.stats.zipCreates === 3, 'the other streams to start');
    delete emulator.faults.freezeAfterBytes;
    const report = await running;
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Three'), report.destination), []);
  });

  it('a cancel during the hold ends the pull, starts no other stream, and leaves nothing behind', async function () {
    const { emulator } = fixture;
    emulator.faults.freezeAfterBytes = MID_FIRST_FILE;
    const cancel = new AbortController();
    const req = request({ signal: cancel.signal });
    const running = pull(req);
    await until(() => (emulator.stats.downloadsFrozen ?? 0) >= 1, 'the first download to freeze');
    cancel.abort();
    await assert.rejects(running, (error: Error) => error.name === 'AbortError');
    assert.equal(emulator.stats.zipCreates, 1);
    assert.deepEqual(await leftIn(req.destination), []);
  });

  it('a first stream that fails for good before its first file fails the pull alone, and leaves nothing behind', async function () {
    const { emulator } = fixture;
    emulator.faults.cutAfterBytes = MID_FIRST_FILE;
    const req = request({ maxAttempts: 1 });
    await assert.rejects(pull(req));
    assert.equal(emulator.stats.downloadsCut, 1);
    assert.equal(emulator.stats.zipCreates, 1, 'no other stream was started only to be stopped');
    assert.deepEqual(await leftIn(req.destination), []);
  });

  it('a first stream cut before its first file lets the others go: its retry does not wait on itself', async function () {
    const { emulator } = fixture;
    emulator.faults.cutAfterBytes = MID_FIRST_FILE;
    emulator.faults.cutDownloads = 1;
    const report = await pull(request());
    assert.equal(emulator.stats.downloadsCut, 1);
    assert.equal(report.plan!.zipRequests, 4);
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Three'), report.destination), []);
  });
});
