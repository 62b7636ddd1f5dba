// A lean pull writes only the part of the archive the central-directory pass needs (growingFile.ts). When the
// central directory then disagrees with what was streamed, there is no local copy to extract again: the attempt
// asks Box for a fresh ZIP and keeps that one whole.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pull } from '../../../src/core/pull/pull';
import { readTree } from '../../helpers/compareTrees';
import { buildZip } from '../../helpers/zipBuilder';
import {
  assertPulled,
  capturingLogger,
  FOLDER,
  makeClient,
  pullRequest,
  resetFaults,
  startFixture,
  type Fixture,
} from '../reliability/support';

describe('lean pulls: the archive is not kept when streaming extracts it', function () {
  let fixture: Fixture;

  before(async function () {
    fixture = await startFixture({ seed: 15, tree: { files: 12 } });
    // Incompressible, so the archive is as large as the files: 4 MB that a full copy would put on disk.
    await fs.promises.writeFile(path.join(fixture.source, 'big.bin'), randomBytes(4 * 1024 * 1024));
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  it('when streaming succeeds, the archive on disk is only its tail', async function () {
    const destination = fixture.freshDestination();
    const onDisk: { size: number; allocated: number }[] = [];
    await pull(
      pullRequest(fixture, makeClient(fixture), destination, {
        onProgress: (progress) => {
          // The download and the streaming pass are over; the central-directory pass is about to read the archive.
          if (progress.phase !== 'extracting' || onDisk.length > 0 || !fs.existsSync(destination)) return;
          const staging = fs.readdirSync(destination).find((name) => name.startsWith('.box-pull-staging-'));
          const stat = staging && fs.statSync(path.join(destination, staging, 'archive.zip'));
          if (stat) onDisk.push({ size: stat.size, allocated: stat.blocks * 512 });
        },
      }),
    );
    assert.equal(onDisk.length, 1, 'the archive was seen as extraction began');
    assert.ok(onDisk[0].size > 4 * 1024 * 1024, `an archive of ${onDisk[0].size} bytes`);
    assert.ok(onDisk[0].allocated < 1024 * 1024, `${onDisk[0].allocated} bytes of it on disk`);
    await assertPulled(fixture, destination);
  });

  it('asks for a fresh ZIP instead of reading back an archive it did not keep, and the pull succeeds', async function () {
    // The first file's local header names another file; 2 MB follow, so its bytes are long gone from memory
    // when the central directory is read.
    mismatchThen();
    const { logger, lines } = capturingLogger();
    const createsBefore = fixture.emulator.stats.zipCreates;
    const destination = fixture.freshDestination();

    await pull(pullRequest(fixture, makeClient(fixture), destination, { logger }));

    assert.equal(fixture.emulator.stats.zipCreates - createsBefore, 2, 'one fresh ZIP');
    assert.ok(
      lines.some(({ level, text }) => level === 'warn' && /requesting a fresh ZIP/.test(text)),
      'the fresh ZIP is logged with its reason',
    );
    await assertPulled(fixture, destination);
  });

  /** The folder as Box would zip it, fixed bytes: their length is what the fresh ZIP's download counts. */
  async function archiveOfSource(): Promise<Buffer> {
    const { files, directories } = await readTree(fixture.source);
    return buildZip([
      ...[...directories].map((dir) => ({ name: `${FOLDER}/${dir}/` })),
      ...[...files].map(([name, data]) => ({ name: `${FOLDER}/${name}`, data })),
    ]);
  }

  /**
   * The first ZIP breaks streaming where nothing was kept; the fresh one (the second create, made before its download
   * starts) is `fresh`, or without it the one the emulator builds from the folder.
   */
  function mismatchThen(fresh?: Buffer): void {
    fixture.emulator.faults.servedArchive = buildZip([
      { name: `${FOLDER}/a.txt`, localName: `${FOLDER}/c.txt`, data: 'the local header names c.txt' },
      { name: `${FOLDER}/big.bin`, data: randomBytes(2 * 1024 * 1024) },
    ]);
    let creates = 0;
    fixture.onRequest = (line) => {
      if (line.startsWith('POST /2.0/zip_downloads') && ++creates === 2) {
        if (fresh) fixture.emulator.faults.servedArchive = fresh;
        else delete fixture.emulator.faults.servedArchive;
      }
    };
  }

  it("counts only the fresh ZIP's bytes, once, when the first was discarded within the attempt", async function () {
    const fresh = await archiveOfSource();
    mismatchThen(fresh);
    const destination = fixture.freshDestination();
    const shown: number[] = [];
    const report = await pull(
      pullRequest(fixture, makeClient(fixture), destination, {
        onProgress: (progress) => shown.push(progress.bytesDownloaded),
      }),
    );
    assert.equal(report.attempts, 1);
    assert.equal(report.bytesDownloaded, fresh.length);
    assert.equal(shown.at(-1), fresh.length, 'the last progress event');
    await assertPulled(fixture, destination);
  });

  it("a planned part's fresh ZIP within its attempt: its bytes counted once, and the ZIP request counted", async function () {
    const fresh = await archiveOfSource();
    mismatchThen(fresh);
    const destination = fixture.freshDestination();
    // A filter lists the folder; everything passes it, and one stream takes the folder whole, in one part.
    const report = await pull(
      pullRequest(fixture, makeClient(fixture), destination, { options: { include: ['**'], streams: 1 } }),
    );
    assert.equal(report.plan?.parts.length, 1, JSON.stringify(report.plan?.parts));
    assert.equal(report.plan.zipRequests, 2, 'the first ZIP and the fresh one');
    // The folder's details, its listing pages, and the two ZIP creates.
    assert.equal(report.plan.requests, 1 + report.plan.listRequests + 2);
    assert.equal(report.bytesDownloaded, fresh.length);
    await assertPulled(fixture, destination);
  });
});
