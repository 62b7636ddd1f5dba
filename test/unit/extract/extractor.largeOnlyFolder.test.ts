import assert from 'node:assert/strict';
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as yazl from 'yazl';
import { extractZip } from '../../../src/core/extract/extractor';

// Regression: folders are created by the writer thread, asynchronously, while large entries stream from the main
// thread. A folder holding only large entries could be written to before it existed (ENOENT), found by the bench.
describe('extractZip — a folder that holds only large files', function () {
  let sandbox: string;

  before(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-large-only-'));
  });

  after(async function () {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it('creates that folder before streaming into it, with many small files beside it', async function () {
    const zip = new yazl.ZipFile();
    const expected = new Map<string, Buffer>();
    for (let i = 0; i < 200; i++) {
      const data = Buffer.from(`small file ${i}\n`.repeat(10));
      expected.set(`Top/text/t${i}.txt`, data);
      zip.addBuffer(data, `Top/text/t${i}.txt`);
    }
    for (let i = 0; i < 3; i++) {
      const data = randomBytes(3 * 1024 * 1024);
      expected.set(`Top/bin/deep/b${i}.bin`, data);
      zip.addBuffer(data, `Top/bin/deep/b${i}.bin`, { compress: false });
    }
    const archive = path.join(sandbox, 'a.zip');
    const out = createWriteStream(archive);
    zip.outputStream.pipe(out);
    zip.end();
    await once(out, 'close');

    for (let round = 0; round < 5; round++) {
      const staging = path.join(sandbox, `out-${round}`);
      const result = await extractZip(archive, staging, { stripTopLevelFolder: 'Top' });
      assert.equal(result.files.length, expected.size);
      for (const [name, data] of expected) {
        assert.ok((await fs.readFile(path.join(staging, name.slice('Top/'.length)))).equals(data), name);
      }
    }
  });
});
