import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractZip } from '../../../src/core/extract/extractor';
import { removeStagingDir } from '../../../src/core/place/staging';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { buildZip } from '../../helpers/zipBuilder';
import { makeExtractionDir, makeSandbox, readTree, snapshot, yazlZip } from './sandbox';
import { ArchiveError } from '../../../src/core/errors';

const MiB = 1024 * 1024;

/** The kinds of pending work an extraction can leave behind: file requests, writer threads, queued callbacks. */
const EXTRACTION_WORK = /^(FSReq|FileHandle|MessagePort|Worker|Immediate)/;

/**
 * Such work this process has in flight (other suites' sockets and timers are left out). Read one turn of the event
 * loop later, so that the I/O callback that settled the awaited promise has returned.
 */
async function workInFlight(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((kind) => EXTRACTION_WORK.test(kind));
}

/** What is in flight now and was not at `before` (leftovers may end meanwhile, but not start). */
function startedSince(before: string[], now: string[]): string[] {
  const left = [...before];
  return now.filter((kind) => {
    const at = left.indexOf(kind);
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

describe('extractZip — abort and resource failures', () => {
  const cleanups: (() => Promise<void>)[] = [];

  /** A sandbox whose destination is a 512 KiB tmpfs (needs root: the test is skipped otherwise, fails in CI). */
  async function sandboxOnSmallVolume(test: Mocha.Context): Promise<Awaited<ReturnType<typeof makeSandbox>>> {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', sandbox.dest], { stdio: 'pipe' });
    } catch (error) {
      requirePrerequisite(test, false, 'the right to mount a tmpfs (root)', error);
    }
    cleanups.push(async () => {
      execFileSync('umount', [sandbox.dest]);
    });
    return sandbox;
  }
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  const manyFiles = Array.from({ length: 300 }, (_, index) => ({
    name: `Top/dir${index % 7}/file${index}.txt`,
    data: Buffer.from(`file ${index} `.repeat(50 + index)),
  }));

  /** Runs an extraction that aborts when `shouldAbort` says so; checks what is left at each step. */
  async function abortScenario(
    archive: Buffer,
    shouldAbort: (filesExtracted: number, bytesWritten: number) => boolean,
    expectedContents: Map<string, Buffer>,
  ): Promise<void> {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    fs.writeFileSync(sandbox.zipPath, archive);
    const before = await snapshot(sandbox.root);
    const staging = await makeExtractionDir(sandbox.dest);
    const controller = new AbortController();
    const idle = await workInFlight();
    let eventsAfterRejection = 0;
    let rejected = false;
    await assert.rejects(
      extractZip(sandbox.zipPath, staging, {
        signal: controller.signal,
        stripTopLevelFolder: 'Top',
        concurrency: 4,
        onProgress: (progress) => {
          if (rejected) eventsAfterRejection++;
          if (shouldAbort(progress.filesExtracted, progress.bytesWritten)) controller.abort();
        },
      }).finally(() => (rejected = true)),
      (error: Error) => error.name === 'AbortError' && !(error instanceof ArchiveError),
    );
    // Nothing is still running that could write later: no file request, no writer thread, no timer.
    assert.deepEqual(
      startedSince(idle, await workInFlight()),
      [],
      'work still in flight after the rejection',
    );
    // Every file that exists is complete: in-flight entries finished or were removed before the promise settled.
    const left = await readTree(staging);
    for (const [relative, content] of left) {
      assert.ok(expectedContents.get(relative)?.equals(content), `half-written or unknown file: ${relative}`);
    }
    assert.equal(eventsAfterRejection, 0, 'no work continues after the rejection');
    assert.deepEqual(await readTree(staging), left, 'nothing changes in staging after the rejection');
    await removeStagingDir(staging);
    assert.deepEqual(await snapshot(sandbox.root), before);
  }

  it('rejects with AbortError when aborted at the first progress event; nothing left after staging is removed', async () => {
    const archive = await yazlZip(manyFiles);
    const contents = new Map(manyFiles.map((file) => [file.name.slice(4), file.data]));
    await abortScenario(archive, () => true, contents);
  });

  it('aborts in the middle of many small files', async () => {
    const archive = await yazlZip(manyFiles);
    const contents = new Map(manyFiles.map((file) => [file.name.slice(4), file.data]));
    await abortScenario(archive, (files) => files >= 25, contents);
  });

  it('aborts inside a large streamed entry and removes its partial file', async () => {
    const big = randomBytes(40 * MiB);
    const archive = await yazlZip([
      { name: 'Top/small.txt', data: Buffer.from('small') },
      { name: 'Top/big.bin', data: big, compress: false },
    ]);
    await abortScenario(
      archive,
      (_files, bytes) => bytes >= 8 * MiB,
      new Map([['small.txt', Buffer.from('small')]]),
    );
  });

  it('rejects at once when the signal is already aborted', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    fs.writeFileSync(sandbox.zipPath, buildZip([{ name: 'a.txt', data: 'a' }]));
    const staging = await makeExtractionDir(sandbox.dest);
    await assert.rejects(extractZip(sandbox.zipPath, staging, { signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
    assert.deepEqual(fs.readdirSync(staging), []);
  });

  it('a missing archive → io', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    const staging = await makeExtractionDir(sandbox.dest);
    await assert.rejects(
      extractZip(path.join(sandbox.root, 'missing.zip'), staging),
      (error: ArchiveError) => error.code === 'io',
    );
  });

  it('a full disk → disk_full with a clear message, partial file removed (tmpfs, root only)', async function () {
    const sandbox = await sandboxOnSmallVolume(this);
    fs.writeFileSync(
      sandbox.zipPath,
      await yazlZip([
        { name: 'fits.txt', data: Buffer.alloc(10_000, 0x61) },
        { name: 'too-big.bin', data: randomBytes(2 * MiB), compress: false },
      ]),
    );
    const staging = await makeExtractionDir(sandbox.dest);
    await assert.rejects(extractZip(sandbox.zipPath, staging, { concurrency: 1 }), (error: ArchiveError) => {
      assert.equal(error.code, 'disk_full');
      assert.match(error.message, /disk space/);
      return true;
    });
    const left = await readTree(staging);
    assert.deepEqual([...left.keys()], ['fits.txt']);
    await removeStagingDir(staging);
    assert.deepEqual(fs.readdirSync(sandbox.dest), []);
    assert.equal(path.basename(staging).startsWith('.box-pull-staging-'), true);
  });

  it('a full disk while the writer thread writes many small files → disk_full, no partial file', async function () {
    const sandbox = await sandboxOnSmallVolume(this);
    const files = Array.from({ length: 200 }, (_, index) => ({
      name: `d${index % 4}/f${index}.bin`,
      data: randomBytes(9000),
    }));
    fs.writeFileSync(sandbox.zipPath, await yazlZip(files));
    const staging = await makeExtractionDir(sandbox.dest);
    await assert.rejects(
      extractZip(sandbox.zipPath, staging),
      (error: ArchiveError) => error.code === 'disk_full',
    );
    const expected = new Map(files.map((file) => [file.name, file.data]));
    const left = await readTree(staging);
    assert.ok(left.size > 0 && left.size < files.length);
    for (const [relative, content] of left) assert.ok(expected.get(relative)?.equals(content), relative);
    await removeStagingDir(staging);
    assert.deepEqual(fs.readdirSync(sandbox.dest), []);
  });
});
