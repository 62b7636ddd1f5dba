import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { GrowingFile } from '../../../src/core/extract/growingFile';
import { extractZip } from '../../../src/core/extract/extractor';
import { StreamingExtractor } from '../../../src/core/extract/streamingExtractor';
import { extractOk, makeExtractionDir, makeSandbox, sha1, yazlZip, type YazlFile } from './sandbox';

// The planned pull checks every file against Box's SHA-1, and a pull's state file records them. A small file is in
// memory once, while it is extracted, and a large one streams through once: hashing them there spares reading all
// of them back afterwards.
const small: YazlFile[] = [
  { name: 'top/a.txt', data: Buffer.from('alpha\n'.repeat(300)) },
  { name: 'top/sub/b.bin', data: randomBytes(70_000), compress: false },
  { name: 'top/sub/c.txt', data: Buffer.from('gamma\n'.repeat(50)), stream: true },
  { name: 'top/empty.txt', data: Buffer.alloc(0) },
];
const large: YazlFile = { name: 'top/large.bin', data: randomBytes(1024 * 1024 + 1) };

function expectedSha1s(files: YazlFile[]): Map<string, string> {
  return new Map(files.map((file) => [file.name.slice('top/'.length), sha1(file.data)]));
}

describe('SHA-1 taken while extracting (hashSha1)', () => {
  it('the central-directory pass gives each file its SHA-1, a large one hashed as it streams', async () => {
    const archive = await yazlZip([...small, large]);
    const { result, sandbox } = await extractOk(archive, { stripTopLevelFolder: 'top', hashSha1: true });
    try {
      const hashes = new Map(result.files.map((file) => [file.relativePath, file.sha1]));
      for (const [relativePath, expected] of expectedSha1s(small)) {
        assert.equal(hashes.get(relativePath), expected, relativePath);
      }
      assert.equal(hashes.get('large.bin'), sha1(large.data));
    } finally {
      await sandbox.cleanup();
    }
  });

  it('files the streaming pass wrote keep the SHA-1 it took through the central directory check', async () => {
    const archive = await yazlZip([...small, large]);
    const sandbox = await makeSandbox();
    try {
      const staging = await makeExtractionDir(sandbox.dest);
      const growing = await GrowingFile.create(sandbox.zipPath);
      const writer = growing.writable();
      const streamer = new StreamingExtractor(growing, staging, {
        signal: new AbortController().signal,
        stripTopLevelFolder: 'top',
        hashSha1: true,
      });
      writer.end(archive);
      await once(writer, 'finish');
      const streamed = await streamer.finish();
      assert.equal(streamed.entries.size, small.length + 1, 'every entry was streamed');
      await growing.close();
      const result = await extractZip(sandbox.zipPath, staging, {
        stripTopLevelFolder: 'top',
        hashSha1: true,
        alreadyExtracted: streamed.entries,
      });
      const hashes = new Map(result.files.map((file) => [file.relativePath, file.sha1]));
      assert.deepEqual(hashes, expectedSha1s([...small, large]));
    } finally {
      await sandbox.cleanup();
    }
  });

  it('nothing is hashed unless asked (the one-ZIP pull has no SHA-1 to check against)', async () => {
    const { result, sandbox } = await extractOk(await yazlZip(small), { stripTopLevelFolder: 'top' });
    try {
      assert.ok(result.files.every((file) => file.sha1 === undefined));
    } finally {
      await sandbox.cleanup();
    }
  });
});
