// Bugs this suite found in code it does not own, each as a test that fails today and is skipped until the owner
// fixes it (then remove the `.skip`). The reliability report describes each one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArchiveError } from '../../../src/core/extract/errors';
import { extractZip } from '../../../src/core/extract/extractor';
import { placeFiles } from '../../../src/core/extract/placement';
import { createStagingDir, findStagingDirs } from '../../../src/core/extract/staging';
import { pull } from '../../../src/core/pull/pull';
import { buildZip } from '../../helpers/zipBuilder';
import { makeClient, pullRequest, startFixture } from './support';

describe('reliability: bugs reported to other owners (skipped until fixed)', function () {
  let sandbox: string;

  beforeEach(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-reported-'));
  });

  afterEach(async function () {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  // src/core/extract (extractionPlan/safeNames + placement): an entry whose top-level name starts with the staging
  // prefix is placed into the destination as is. It then looks like a crashed run's staging folder to
  // findStagingDirs, so any future clean-up of stale staging folders would delete the user's Box content.
  // Expected: such names are renamed at extraction (like Windows-reserved names) and reported in `renamed`.
  it.skip('an entry named like a staging folder is renamed, never placed under the reserved prefix', async function () {
    const zipPath = path.join(sandbox, 'a.zip');
    await fs.writeFile(zipPath, buildZip([{ name: '.box-pull-staging-abc/notes.txt', data: 'from Box' }]));
    const destination = path.join(sandbox, 'dest');
    const staging = await createStagingDir(destination);
    const result = await extractZip(zipPath, staging);
    await placeFiles(staging, result, destination, { policy: 'skip' });
    assert.deepEqual(await findStagingDirs(destination), []);
    assert.equal(result.renamed.length, 1);
  });

  // src/core/extract (fileSink.ts AsyncFileSink/WorkerFileSink createDirectories, extractor.ts
  // ensureEmptyStaging): folders are made with `mkdir(..., { recursive: true })`, and Node reports ENOSPC and EROFS
  // from a recursive mkdir as ENOENT (nodejs/node#42808, #47098). A volume out of inodes while folders are created
  // therefore fails as `io` "no such file or directory" instead of `disk_full` "Not enough disk space".
  // (pull.ts now creates the staging `files` folder itself, without `recursive`, so the top level is covered.)
  it.skip('a volume out of inodes while creating folders is reported as disk_full', async function () {
    const volume = path.join(sandbox, 'volume');
    await fs.mkdir(volume);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=12', 'tmpfs', volume], {
        stdio: 'ignore',
      });
    } catch {
      this.skip();
    }
    try {
      const zipPath = path.join(sandbox, 'a.zip');
      const entries = Array.from({ length: 20 }, (_, index) => ({ name: `d${index}/e/f.txt`, data: 'x' }));
      await fs.writeFile(zipPath, buildZip(entries));
      const staging = path.join(volume, 'staging');
      await fs.mkdir(staging);
      await assert.rejects(extractZip(zipPath, staging), (error: ArchiveError) => {
        assert.equal(error.code, 'disk_full', error.message);
        return true;
      });
    } finally {
      execFileSync('umount', [volume]);
    }
  });

  // src/emulator/pump.ts: with `bytesPerSecond` set, `writeSlowly` pauses the source and sleeps before writing a
  // chunk, but a paused Readable still emits 'end' once its last chunk was read; the 'end' handler then calls
  // `res.end()` while the last chunk(s) are still waiting to be written. The client gets a cleanly ended, truncated
  // archive (no central directory) and the status says `succeeded` (about 1 download in 6 at 150 kB/s here).
  // The pipeline recovers (a fresh ZIP), but tests that count attempts become flaky, so these suites pace
  // downloads with `entryDelayMs` instead. Fix: let 'end' wait for a pending `writeSlowly`.
  it.skip('a throttled download delivers every byte', async function () {
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
  it.skip('the emulator reports a cut inside the last chunk as a cut, with status failed', async function () {
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
