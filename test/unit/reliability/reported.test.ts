// Bugs this suite found in code it does not own, kept as regression tests now that they are fixed. The
// reliability report describes each one. (The staging-name bug's test moved to test/unit/extract/placement.test.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractZip } from '../../../src/core/extract/extractor';
import { pull } from '../../../src/core/pull/pull';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { buildZip } from '../../helpers/zipBuilder';
import { makeClient, pullRequest, startFixture } from './support';
import { ArchiveError } from '../../../src/core/errors';

describe('reliability: bugs reported to other owners (fixed)', function () {
  let sandbox: string;

  beforeEach(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-reported-'));
  });

  afterEach(async function () {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  // src/core/extract (fileSink.ts AsyncFileSink/WorkerFileSink createDirectories, extractor.ts
  // ensureEmptyStaging): folders are made with `mkdir(..., { recursive: true })`, and Node reports ENOSPC and EROFS
  // from a recursive mkdir as ENOENT (nodejs/node#42808, #47098). A volume out of inodes while folders are created
  // therefore fails as `io` "no such file or directory" instead of `disk_full` "Not enough disk space".
  // (pull.ts now creates the staging `files` folder itself, without `recursive`, so the top level is covered.)
  /**
   * Mounts a small tmpfs on `<sandbox>/volume` for `body`; skips the test where mounting is not allowed (fails it
   * in CI).
   */
  async function withVolume(
    context: Mocha.Context,
    options: string,
    body: (volume: string) => Promise<void>,
  ): Promise<void> {
    const volume = path.join(sandbox, 'volume');
    await fs.mkdir(volume);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', volume], { stdio: 'pipe' });
    } catch (error) {
      requirePrerequisite(context, false, 'the right to mount a tmpfs (root)', error);
    }
    try {
      await body(volume);
    } finally {
      execFileSync('umount', [volume]);
    }
  }

  // Below 64 files the thread-pool sink creates the folders, from 64 on the worker-thread sink: cover both.
  for (const fileCount of [20, 80]) {
    it(`a volume out of inodes while creating folders is reported as disk_full (${fileCount} files)`, async function () {
      await withVolume(this, 'size=4m,nr_inodes=12', async (volume) => {
        const zipPath = path.join(sandbox, 'a.zip');
        const entries = Array.from({ length: fileCount }, (_, index) => ({
          name: `d${index}/e/f.txt`,
          data: 'x',
        }));
        await fs.writeFile(zipPath, buildZip(entries));
        const staging = path.join(volume, 'staging');
        await fs.mkdir(staging);
        await assert.rejects(extractZip(zipPath, staging), (error: ArchiveError) => {
          assert.equal(error.code, 'disk_full', error.message);
          return true;
        });
      });
    });
  }

  it('a read-only volume while creating the staging folder says so, not "no such file or directory"', async function () {
    await withVolume(this, 'size=1m', async (volume) => {
      const zipPath = path.join(sandbox, 'a.zip');
      await fs.writeFile(zipPath, buildZip([{ name: 'f.txt', data: 'x' }]));
      execFileSync('mount', ['-o', 'remount,ro', volume], { stdio: 'ignore' });
      await assert.rejects(extractZip(zipPath, path.join(volume, 'a', 'staging')), (error: ArchiveError) => {
        assert.equal(error.code, 'io');
        assert.match(error.message, /read-only file system/, error.message);
        return true;
      });
    });
  });

  // src/emulator/pump.ts: with `bytesPerSecond` set, `writeSlowly` pauses the source and sleeps before writing a
  // chunk, but a paused Readable still emits 'end' once its last chunk was read; the 'end' handler then calls
  // `res.end()` while the last chunk(s) are still waiting to be written. The client gets a cleanly ended, truncated
  // archive (no central directory) and the status says `succeeded` (about 1 download in 6 at 150 kB/s here).
  // The pipeline recovers (a fresh ZIP), but tests that count attempts become flaky, so these suites pace
  // downloads with `entryDelayMs` instead. Fix: let 'end' wait for a pending `writeSlowly`.
  it('a throttled download delivers every byte', async function () {
    const fixture = await startFixture({ seed: 41 });
    try {
      const client = makeClient(fixture);
      const full = (await pull(pullRequest(fixture, client, fixture.freshDestination()))).bytesDownloaded;
      fixture.emulator.faults.bytesPerSecond = 150_000;
      for (let download = 0; download < 12; download++) {
        const zip = await client.createZipDownload({ items: [{ type: 'folder', id: fixture.folderId }] });
        const content = await client.openZipDownloadContent(zip.download_url);
        let received = 0;
        for await (const chunk of content.body) received += (chunk as Buffer).length;
        assert.equal(received, full, `download ${download + 1} was cut short without an error`);
      }
    } finally {
      await fixture.close();
    }
  });

  // src/emulator/pump.ts: a cut that falls in the archive's last chunk (the end record) races the source's 'end'
  // event: the emulator counts the download as completed and the status says `succeeded` for a truncated stream.
  // The pipeline still catches it (the archive's own checks fail and a fresh ZIP is requested), but the
  // emulator's `downloadsCut` and status are wrong for such tests.
  it('the emulator reports a cut inside the last chunk as a cut, with status failed', async function () {
    const fixture = await startFixture({ seed: 21 });
    try {
      const client = makeClient(fixture);
      const report = await pull(pullRequest(fixture, client, fixture.freshDestination()));
      fixture.emulator.faults.cutAfterBytes = report.bytesDownloaded - 10;
      fixture.emulator.faults.cutDownloads = 1;
      const cuts = fixture.emulator.stats.downloadsCut;
      await pull(pullRequest(fixture, client, fixture.freshDestination()));
      assert.equal(fixture.emulator.stats.downloadsCut - cuts, 1);
    } finally {
      await fixture.close();
    }
  });
});
