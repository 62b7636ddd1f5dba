// The destination's volume misbehaves: it is too small, fills up while we write, runs out of inodes, or turns
// read-only half-way. Each case runs on its own small tmpfs (we are root in CI; without mount permission the
// suite is skipped and says why, or fails in CI). Root ignores permission bits, so read-only is a real `remount,ro`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, writeFileSync, statfsSync } from 'node:fs';
import * as path from 'node:path';
import { pull, type PullReport } from '../../../src/core/pull/pull';
import { type PullProgress } from '../../../src/core/pull/progress';
import { requirePrerequisite } from '../../helpers/prerequisite';
import {
  assertPulled,
  assertUnchanged,
  countRequests,
  listing,
  makeClient,
  plantUserFiles,
  pullRequest,
  resetFaults,
  sourceFiles,
  startFixture,
  temporaryLeftovers,
  type Fixture,
} from './support';
import { PullError } from '../../../src/core/errors';

const KiB = 1024;

function tryMount(target: string, options: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

function unmount(target: string): void {
  try {
    execFileSync('umount', [target], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', target], { stdio: 'ignore' });
  }
}

/** Fills the volume of `dir` with a file outside the destination until only `keepBytes` are free. */
function fillVolume(dir: string, keepBytes: number): void {
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  try {
    writeFileSync(path.join(dir, 'filler.bin'), Buffer.alloc(Math.max(0, free - keepBytes), 0x5a));
  } catch (error) {
    // The pull's writer threads took some of the space meanwhile: the volume is full, which is the point.
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

describe('reliability: a destination volume that is full or turns read-only', function () {
  let fixture: Fixture;
  let volume: string;
  let mounted = false;

  before(async function () {
    fixture = await startFixture({ seed: 31 });
    volume = path.join(fixture.sandbox, 'volume');
    await fs.mkdir(volume);
    const refused = tryMount(volume, 'size=64k');
    requirePrerequisite(this, refused === undefined, 'the right to mount a tmpfs (root)', refused);
    unmount(volume);
  });

  after(async function () {
    if (mounted) unmount(volume);
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
    if (mounted) unmount(volume);
    mounted = false;
  });

  function mountVolume(options: string): void {
    const refused = tryMount(volume, options);
    assert.equal(refused, undefined, `mount failed: ${refused}`);
    mounted = true;
  }

  async function expectDestinationError(promise: Promise<PullReport>): Promise<PullError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof PullError, `expected a PullError, got ${String(error)}`);
      assert.equal(error.code, 'destination', error.message);
      return error;
    }
    assert.fail('expected a destination PullError');
  }

  /** Destination on the volume with user files in it, one of them named like a Box file. */
  async function prepareDestination(): Promise<{ destination: string; user: Map<string, Buffer> }> {
    const destination = path.join(volume, 'dest');
    const [first] = await sourceFiles(fixture);
    const user = await plantUserFiles(destination, { 'mine.txt': 'keep me', [first]: 'my version' });
    return { destination, user };
  }

  it('too little space up front: refused before anything is downloaded, nothing created', async function () {
    mountVolume('size=256k');
    const destination = path.join(volume, 'new', 'dest');
    const creates = countRequests(fixture, 'POST /2.0/zip_downloads');
    const error = await expectDestinationError(pull(pullRequest(fixture, makeClient(fixture), destination)));
    assert.match(error.message, /Not enough free space/);
    assert.equal(countRequests(fixture, 'POST /2.0/zip_downloads') - creates, 0);
    await assertUnchanged(path.join(volume, 'new'), undefined, 'no space');
  });

  const fills: {
    phase: PullProgress['phase'];
    keep: number;
    mount: string;
    what: string;
    /** Fill only once this many files were extracted (while downloading, they come from the stream). */
    afterFiles?: number;
    extractWhileDownloading?: boolean;
    bytesPerSecond?: number;
  }[] = [
    { phase: 'downloading', keep: 48 * KiB, mount: 'size=2m', what: 'while the archive downloads' },
    {
      phase: 'downloading',
      afterFiles: 1,
      // Slow enough that files come out of the stream one after another, long before the download ends.
      bytesPerSecond: 200_000,
      keep: 8 * KiB,
      mount: 'size=2m',
      what: 'while files are extracted from the downloading stream',
    },
    {
      phase: 'extracting',
      keep: 96 * KiB,
      mount: 'size=2m',
      what: 'while files are extracted after the download',
      extractWhileDownloading: false,
    },
  ];
  for (const fill of fills) {
    it(`the disk fills up ${fill.what}: a clear destination error, no fresh ZIP, nothing left; then a retry works`, async function () {
      mountVolume(fill.mount);
      if (fill.bytesPerSecond) fixture.emulator.faults.bytesPerSecond = fill.bytesPerSecond;
      const { destination, user } = await prepareDestination();
      const before = await listing(destination);
      const creates = countRequests(fixture, 'POST /2.0/zip_downloads');
      let filled = false;
      const error = await expectDestinationError(
        pull(
          pullRequest(fixture, makeClient(fixture), destination, {
            ...(fill.extractWhileDownloading === false ? { extractWhileDownloading: false } : {}),
            onProgress: (progress) => {
              if (!filled && progress.phase === fill.phase && progress.filesDone >= (fill.afterFiles ?? 0)) {
                filled = true;
                fillVolume(volume, fill.keep);
              }
            },
          }),
        ),
      );
      assert.ok(filled);
      assert.match(error.message, /disk is full|disk space/i);
      assert.equal(
        countRequests(fixture, 'POST /2.0/zip_downloads') - creates,
        1,
        'a full disk is not retried',
      );
      await assertUnchanged(destination, before, `disk full ${fill.what}`);
      await fs.rm(path.join(volume, 'filler.bin'));
      resetFaults(fixture);
      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });
  }

  it('the volume runs out of inodes during extraction: a clear destination error, nothing left', async function () {
    mountVolume('size=8m,nr_inodes=40');
    const { destination } = await prepareDestination();
    const before = await listing(destination);
    const error = await expectDestinationError(pull(pullRequest(fixture, makeClient(fixture), destination)));
    assert.match(error.message, /disk space|disk is full/i);
    await assertUnchanged(destination, before, 'no inodes');
  });

  it('a destination that is read-only from the start: a clear destination error', async function () {
    mountVolume('size=2m');
    const { destination } = await prepareDestination();
    execFileSync('mount', ['-o', 'remount,ro', volume]);
    const error = await expectDestinationError(pull(pullRequest(fixture, makeClient(fixture), destination)));
    assert.match(error.message, /read-only|EROFS/i);
    execFileSync('mount', ['-o', 'remount,rw', volume]);
    assert.deepEqual(await temporaryLeftovers(volume), []);
  });

  for (const phase of ['downloading', 'extracting', 'placing'] as const) {
    it(`a destination that turns read-only while ${phase}: a clear message naming any folder it could not remove`, async function () {
      mountVolume('size=2m');
      const { destination, user } = await prepareDestination();
      const before = await listing(destination);
      let readOnly = false;
      const error = await expectDestinationError(
        pull(
          pullRequest(fixture, makeClient(fixture), destination, {
            onProgress: (progress) => {
              // Synchronous, so no write is in flight: a read-only remount is refused while files are open for
              // writing, and at these phase changes the archive is not open (not yet, or no longer).
              if (!readOnly && progress.phase === phase) {
                execFileSync('mount', ['-o', 'remount,ro', volume]);
                readOnly = true;
              }
            },
          }),
        ),
      );
      assert.ok(readOnly);
      assert.match(error.message, /read-only|EROFS/i);
      execFileSync('mount', ['-o', 'remount,rw', volume]);
      // Nothing can be removed from a read-only volume: the staging folder stays, hidden and named in the message.
      const left = await temporaryLeftovers(destination);
      for (const name of left) {
        const folder = name.split('/')[0];
        assert.match(folder, /^\.box-pull-staging-/);
        assert.ok(error.message.includes(folder), `the message names ${folder}: ${error.message}`);
      }
      for (const folder of new Set(left.map((name) => name.split('/')[0]))) {
        await fs.rm(path.join(destination, folder), { recursive: true });
      }
      await assertUnchanged(destination, before, `read-only while ${phase}`);
      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });
  }
});
