// Every descriptor has one owner that closes it once: a stream over it must never close it (Node's fs streams do
// when destroyed, even with autoClose: false), or the owner's close lands on a number reused meanwhile.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { streamLargeEntry } from '../../../src/core/extract/entryData';
import { GrowingFile } from '../../../src/core/extract/growingFile';
import { StreamingExtractor } from '../../../src/core/extract/streamingExtractor';
import { DEFAULT_LIMITS, readCentralDirectory } from '../../../src/core/zip/centralDirectory';
import { createRandom } from '../../helpers/tree';
import { buildZip } from '../../helpers/zipBuilder';
import { watchDescriptors } from '../../helpers/descriptorLedger';
import { makeExtractionDir, makeSandbox, type Sandbox } from './sandbox';

const MiB = 1024 * 1024;

/** A large entry that inflates to more than it declares: it fails inside its stream pipeline. */
function liarArchive(): Buffer {
  const random = createRandom(7);
  const data = Buffer.alloc(3 * MiB, 0);
  for (let i = 0; i < data.length; i += 64) data[i] = Math.floor(random() * 256);
  return buildZip([{ name: 'liar.bin', data, uncompressedSize: 2 * MiB }]);
}

describe('descriptor ownership: a failing entry closes no descriptor twice', () => {
  let sandbox: Sandbox;
  let ledger: ReturnType<typeof watchDescriptors> | undefined;
  beforeEach(async () => {
    sandbox = await makeSandbox();
    await fs.promises.writeFile(sandbox.zipPath, liarArchive());
  });
  afterEach(async () => {
    ledger?.stop();
    ledger = undefined;
    await sandbox.cleanup();
  });

  it('the central-directory pass keeps the archive open for other entries, and closes the entry file once', async () => {
    const archive = fs.openSync(sandbox.zipPath, 'r');
    try {
      const signal = new AbortController().signal;
      const { entries } = await readCentralDirectory(
        archive,
        fs.fstatSync(archive).size,
        DEFAULT_LIMITS,
        signal,
      );
      const target = path.join(sandbox.dest, 'liar.bin');
      ledger = watchDescriptors();
      await assert.rejects(
        streamLargeEntry(entries[0], target, {
          fd: archive,
          signal,
          preserveModifiedTimes: false,
          onBytes: () => undefined,
        }),
        { code: 'size_mismatch' },
      );
      // It used to be EBADF: the destroyed read stream had closed the extractor's archive descriptor.
      assert.ok(fs.fstatSync(archive).isFile());
      assert.deepEqual(ledger.closedTwice, [], 'descriptors closed twice');
      assert.equal(fs.existsSync(target), false);
    } finally {
      // Already closed on the old code: let the assertion above be the failure.
      fs.close(archive, () => undefined);
    }
  });

  it('the streaming pass closes the entry file once when the entry stops it', async () => {
    const archive = await GrowingFile.create(path.join(sandbox.root, 'growing.zip'));
    const writer = archive.writable();
    await new Promise<void>((resolve, reject) =>
      writer.end(fs.readFileSync(sandbox.zipPath), () => resolve()).once('error', reject),
    );
    const staging = await makeExtractionDir(sandbox.dest);
    ledger = watchDescriptors();
    try {
      const extractor = new StreamingExtractor(archive, staging, { signal: new AbortController().signal });
      const outcome = await extractor.finish();
      assert.match(outcome.stoppedEarly ?? '', /more than its declared size/);
      assert.deepEqual(ledger.closedTwice, [], 'descriptors closed twice');
    } finally {
      await archive.close();
    }
  });
});
