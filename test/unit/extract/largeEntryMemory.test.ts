import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractZip } from '../../../src/core/extract/extractor';
import { GrowingFile } from '../../../src/core/extract/growingFile';
import { StreamingExtractor } from '../../../src/core/extract/streamingExtractor';
import { collectGarbage } from '../../helpers/memory';

const MiB = 1024 * 1024;
const ENTRY_BYTES = 96 * MiB;
/**
 * Array buffers a large entry may add while it streams. Before, every read and every inflate output was a fresh
 * buffer left to the collector, which V8 runs only after tens of megabytes of them: 26-93 MB here, 1-2 MB now.
 */
const BOUND_BYTES = 12 * MiB;

// Issue #15 / #12 memory: the peak of a pull of large files was mostly garbage buffers from streamed entries.
describe('extractZip — a large entry streams without piling up buffers', function () {
  this.timeout(300_000);
  let sandbox: string;

  before(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-large-memory-'));
  });

  after(async function () {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  /**
   * One 96 MB entry: a random 1 MB block over and over (deflate's 32 KB window cannot see the repeats, so no ratio
   * guard trips). Built by a child process, and read back below through one buffer, so that this process keeps
   * no garbage of its own for the tests after it, which measure array buffers too.
   */
  function largeArchive(compress: boolean): { archive: string; sha1: string } {
    const archive = path.join(sandbox, `${compress ? 'deflate' : 'store'}.zip`);
    // A buffer, not a stream: yazl gives a streamed entry a data descriptor, which a stored entry cannot stream with.
    const script = `
      const yazl = require('yazl'); const fs = require('node:fs'); const crypto = require('node:crypto');
      const block = crypto.randomBytes(${MiB});
      const data = Buffer.concat(Array.from({ length: ${ENTRY_BYTES / MiB} }, () => block));
      const zip = new yazl.ZipFile();
      zip.addBuffer(data, 'Top/big.bin', { compress: ${compress} });
      zip.outputStream.pipe(fs.createWriteStream(${JSON.stringify(archive)})).on('close', () =>
        process.stdout.write(crypto.createHash('sha1').update(data).digest('hex')));
      zip.end();`;
    const sha1 = execFileSync(process.execPath, ['-e', script], { cwd: process.cwd() }).toString();
    return { archive, sha1 };
  }

  /** Reads a file through one buffer: `visit` sees each part, valid until it returns. */
  async function readThrough(file: string, visit: (bytes: Buffer) => Promise<void> | void): Promise<void> {
    const handle = await fs.open(file, 'r');
    const buffer = Buffer.allocUnsafe(MiB);
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        await visit(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }

  /** The most `process.memoryUsage().arrayBuffers` grew while `work` ran. */
  async function arrayBufferGrowth(work: (sample: () => void) => Promise<void>): Promise<number> {
    // Earlier tests' garbage is not this test's growth.
    collectGarbage();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sample = (): void => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    };
    const sampler = setInterval(sample, 2);
    try {
      await work(sample);
    } finally {
      clearInterval(sampler);
    }
    return peak - baseline;
  }

  async function assertBounded(grown: number, file: string, sha1: string): Promise<void> {
    const written = createHash('sha1');
    await readThrough(file, (bytes) => void written.update(bytes));
    assert.equal(written.digest('hex'), sha1);
    assert.ok(grown <= BOUND_BYTES, `array buffers grew by ${(grown / MiB).toFixed(1)} MB while it streamed`);
  }

  for (const compress of [true, false]) {
    const kind = compress ? 'deflated' : 'stored';
    it(`central-directory pass: array buffers stay bounded for a ${kind} entry of 96 MB`, async function () {
      const { archive, sha1 } = largeArchive(compress);
      const staging = path.join(sandbox, `out-${kind}`);
      const grown = await arrayBufferGrowth(async (sample) => {
        await extractZip(archive, staging, { stripTopLevelFolder: 'Top', onProgress: sample });
      });
      await assertBounded(grown, path.join(staging, 'big.bin'), sha1);
    });

    it(`streaming pass: array buffers stay bounded for a ${kind} entry of 96 MB`, async function () {
      const { archive, sha1 } = largeArchive(compress);
      // The whole archive "downloaded" first: only the extraction is measured.
      const growing = await GrowingFile.create(path.join(sandbox, `growing-${kind}.zip`));
      const writer = growing.writable();
      await readThrough(
        archive,
        (bytes) =>
          new Promise((resolve, reject) =>
            writer.write(bytes, (error) => (error ? reject(error) : resolve())),
          ),
      );
      await new Promise<void>((resolve, reject) =>
        writer.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      const staging = path.join(sandbox, `streamed-${kind}`);
      await fs.mkdir(staging);
      try {
        const grown = await arrayBufferGrowth(async (sample) => {
          const extractor = new StreamingExtractor(growing, staging, {
            signal: new AbortController().signal,
            stripTopLevelFolder: 'Top',
            onProgress: sample,
          });
          const outcome = await extractor.finish();
          assert.equal(outcome.stoppedEarly, undefined);
        });
        await assertBounded(grown, path.join(staging, 'big.bin'), sha1);
      } finally {
        await growing.close();
      }
    });
  }
});
