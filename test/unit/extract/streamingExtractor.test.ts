import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import * as yazl from 'yazl';
import { extractZip, type ExtractOptions } from '../../../src/core/extract/extractor';
import { GrowingFile } from '../../../src/core/extract/growingFile';
import { removeStagingDir } from '../../../src/core/place/staging';
import {
  StreamingExtractor,
  type StreamingOptions,
  type StreamingOutcome,
} from '../../../src/core/extract/streamingExtractor';
import { diffTrees, readTree as readListing } from '../../helpers/compareTrees';
import { createRandom, makeTree } from '../../helpers/tree';
import { buildZip, S_IFLNK, unixAttributes, type RawEntry } from '../../helpers/zipBuilder';
import {
  makeExtractionDir,
  makeSandbox,
  readTree,
  snapshot,
  yazlZip,
  type Sandbox,
  type YazlFile,
} from './sandbox';
import { ArchiveError, StreamMismatchError, type ArchiveErrorCode } from '../../../src/core/errors';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The streaming extractor reads the archive while it "downloads": these tests append the archive to a GrowingFile
 * themselves, a piece at a time, so they can look at the staging folder before the download is complete and cut
 * or abort it at a chosen byte.
 */
interface Harness {
  sandbox: Sandbox;
  /** The sandbox before the staging folder and the archive were created. */
  before: Awaited<ReturnType<typeof snapshot>>;
  staging: string;
  archive: GrowingFile;
  writer: Writable;
  controller: AbortController;
  /** The latest onProgress values. */
  progress: { files: number; bytes: number };
  /** The extractor's `finish()`, called once. */
  finish(): Promise<StreamingOutcome>;
}

type HarnessOptions = Omit<StreamingOptions, 'signal' | 'onProgress'> & {
  /** The whole archive, downloaded before the extractor starts (for tests where timing must not matter). */
  prefill?: Buffer;
  /** A lean archive (growingFile.ts): only what streaming leaves is written. */
  lean?: boolean;
};

function text(size: number, seed: number): Buffer {
  const random = createRandom(seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'report', 'budget', 'notes', 'final'];
  const lines: string[] = [];
  for (let length = 0; length < size;) {
    const line = `${words[Math.floor(random() * words.length)]} ${Math.floor(random() * 1e9)}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('').slice(0, size));
}

async function feed(writer: Writable, bytes: Buffer, chunkBytes = 64 * KiB): Promise<void> {
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    const chunk = bytes.subarray(at, Math.min(at + chunkBytes, bytes.length));
    await new Promise<void>((resolve, reject) =>
      writer.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
  }
}

async function endFeed(writer: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    writer.once('error', reject);
    writer.end(() => resolve());
  });
}

/** Feeds the whole archive and marks the download complete. */
async function feedAll(harness: Harness, bytes: Buffer): Promise<void> {
  await feed(harness.writer, bytes);
  await endFeed(harness.writer);
}

/** Waits for something the extractor does in the background; fails with `what` instead of hanging. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

function assertSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>, label = ''): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${label} file list`);
  for (const [relative, content] of expected) {
    assert.ok(actual.get(relative)!.equals(content), `${label} content of ${relative}`);
  }
}

/** Streamed entries by their relative path. */
function streamedPaths(outcome: StreamingOutcome): string[] {
  return [...outcome.entries.values()].map((entry) => entry.relativePath).sort();
}

async function expectArchiveError(
  promise: Promise<unknown>,
  code: ArchiveErrorCode,
  entryName?: string,
): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(
      error instanceof ArchiveError,
      `expected ArchiveError ${code}, got ${error.name}: ${error.message}`,
    );
    assert.equal(error.code, code, error.message);
    if (entryName !== undefined) assert.equal(error.entryName, entryName);
    return true;
  });
}

async function emptyFolder(folder: string): Promise<void> {
  for (const name of await fs.promises.readdir(folder)) {
    await fs.promises.rm(path.join(folder, name), { recursive: true, force: true });
  }
}

/** The same archive with its central directory records in another order (local headers unchanged). */
function reorderCentralDirectory(zip: Buffer, order: number[]): Buffer {
  const end = zip.length - 22;
  assert.equal(zip.readUInt32LE(end), 0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  const offset = zip.readUInt32LE(end + 16);
  const records: Buffer[] = [];
  let at = offset;
  for (let index = 0; index < count; index++) {
    const length = 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    records.push(zip.subarray(at, at + length));
    at += length;
  }
  return Buffer.concat([zip.subarray(0, offset), ...order.map((index) => records[index]), zip.subarray(at)]);
}

/** Offset of the local header of the entry named `name` (names in these archives are unique byte strings). */
function localHeaderOffset(zip: Buffer, name: string): number {
  const at = zip.indexOf(Buffer.from(name)) - 30;
  assert.ok(at >= 0 && zip.readUInt32LE(at) === 0x04034b50, `local header of ${name}`);
  return at;
}

describe('StreamingExtractor — extraction while the archive downloads', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  async function startStreaming(options: HarnessOptions = {}): Promise<Harness> {
    const { prefill, lean, ...streamingOptions } = options;
    const sandbox = await makeSandbox();
    const before = await snapshot(sandbox.root);
    const staging = await makeExtractionDir(sandbox.dest);
    const archive = await GrowingFile.create(sandbox.zipPath, { lean });
    const writer = archive.writable();
    // A cut download destroys the writer with an error; the GrowingFile passes it on to the extractor.
    writer.on('error', () => undefined);
    if (prefill !== undefined) {
      await feed(writer, prefill);
      await endFeed(writer);
    }
    const controller = new AbortController();
    const progress = { files: 0, bytes: 0 };
    const extractor = new StreamingExtractor(archive, staging, {
      ...streamingOptions,
      signal: controller.signal,
      onProgress: (files, bytes) => {
        progress.files = files;
        progress.bytes = bytes;
      },
    });
    let finished: Promise<StreamingOutcome> | undefined;
    const harness: Harness = {
      sandbox,
      before,
      staging,
      archive,
      writer,
      controller,
      progress,
      finish: () => (finished ??= extractor.finish()),
    };
    cleanups.push(async () => {
      // A test that failed half-way: stop the extractor so that its writer threads end.
      if (finished === undefined) controller.abort();
      await harness.finish().catch(() => undefined);
      await archive.close();
      await sandbox.cleanup();
    });
    return harness;
  }

  /** The central-directory pass, adopting what streaming wrote. */
  function extractRest(harness: Harness, outcome: StreamingOutcome, options: ExtractOptions = {}) {
    return extractZip(harness.archive.path, harness.staging, {
      ...options,
      alreadyExtracted: outcome.entries,
    });
  }

  describe('deflate with data descriptors (a streamed ZIP, as Box sends it)', () => {
    it('extracts files before the download completes, then the central directory adopts them all', async () => {
      const harness = await startStreaming({ stripTopLevelFolder: 'Top' });
      const sourceTop = path.join(harness.sandbox.root, 'source', 'Top');
      await makeTree(sourceTop, {
        seed: 20240611,
        files: 250,
        maxDepth: 3,
        minSize: 0,
        maxSize: 8000,
        emptyFolders: 2,
      });
      await fs.promises.mkdir(path.join(sourceTop, 'big'));
      await fs.promises.writeFile(path.join(sourceTop, 'big', 'log.txt'), text(MiB + 200 * KiB, 1));
      await fs.promises.writeFile(path.join(sourceTop, 'big', 'random.bin'), randomBytes(MiB + 100 * KiB));
      const source = await readListing(sourceTop);
      const emptyDirectories = [...source.directories].filter(
        (directory) =>
          ![...source.files.keys(), ...source.directories].some((other) => other.startsWith(`${directory}/`)),
      );
      assert.ok(emptyDirectories.length > 0);

      // Every file streamed by yazl: deflate with a data descriptor. The two large files come last.
      const zip = new yazl.ZipFile();
      const names = [...source.files.keys()].sort(
        (a, b) => Number(a.startsWith('big/')) - Number(b.startsWith('big/')),
      );
      for (const name of names) {
        zip.addReadStream(Readable.from([source.files.get(name)!]), `Top/${name}`, {
          mtime: new Date(2023, 1, 2, 3, 4, 5),
          mode: 0o100644,
        });
      }
      for (const directory of emptyDirectories) zip.addEmptyDirectory(`Top/${directory}`);
      zip.end();
      const chunks: Buffer[] = [];
      for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      assert.ok((bytes.readUInt16LE(6) & 0x8) !== 0, 'yazl wrote data descriptors');

      // Part of the small files only: the extractor catches up and waits for more.
      const cut = Math.floor(localHeaderOffset(bytes, 'Top/big/') * 0.6);
      await feed(harness.writer, bytes.subarray(0, cut));
      await waitUntil(() => harness.progress.files > 0, 'the first files are extracted');
      assert.equal(harness.archive.isComplete, false);
      const reported = harness.progress.files;
      const early = await readTree(harness.staging);
      let complete = 0;
      for (const [relative, content] of early) {
        const expected = source.files.get(relative);
        assert.ok(expected !== undefined, `unknown file ${relative}`);
        assert.ok(content.length <= expected.length, `${relative} is longer than its source`);
        if (content.equals(expected)) complete++;
      }
      // Reported files are complete and stay so; files still being written may come on top.
      assert.ok(complete >= reported, `${complete} complete files, ${reported} reported`);
      assert.ok(reported < source.files.size);

      // The rest in one piece: no entry ever sees a partial window once the download completes (see the race
      // test below).
      await feed(harness.writer, bytes.subarray(cut), bytes.length);
      await endFeed(harness.writer);
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.equal(outcome.entries.size, source.files.size);
      assert.deepEqual(streamedPaths(outcome), [...source.files.keys()].sort());
      const totalBytes = [...source.files.values()].reduce((sum, content) => sum + content.length, 0);
      assert.equal(outcome.bytesWritten, totalBytes);
      assert.equal(harness.progress.files, source.files.size);
      for (const entry of outcome.entries.values()) assert.equal(entry.method, 8);

      const result = await extractRest(harness, outcome, { stripTopLevelFolder: 'Top' });
      assert.equal(result.files.length, source.files.size);
      assert.equal(result.bytesWritten, totalBytes);
      assert.deepEqual(await diffTrees(sourceTop, harness.staging), []);
    });

    it("a decoy of the data descriptor inside an entry's data does not end it early", async () => {
      const harness = await startStreaming();
      // A stored deflate block (BFINAL, BTYPE 00, LEN, NLEN) whose content holds the descriptor's signature and,
      // after a CRC-32, its own offset in the compressed data: it looks like where the entry ends, and is not.
      const decoyAt = 5 + 40;
      const content = Buffer.concat([
        Buffer.from('x'.repeat(40)),
        Buffer.from([0x50, 0x4b, 0x07, 0x08, 1, 2, 3, 4]),
        Buffer.from(Uint32Array.of(decoyAt).buffer),
        Buffer.from(' and the rest of the file'),
      ]);
      const header = Buffer.from([0x01, content.length & 0xff, content.length >> 8, 0, 0]);
      header.writeUInt16LE(~content.length & 0xffff, 3);
      const bytes = buildZip([
        { name: 'decoy.txt', data: content, payload: Buffer.concat([header, content]), dataDescriptor: true },
        { name: 'z.txt', data: 'z', dataDescriptor: true },
      ]);
      await feedAll(harness, bytes);
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.deepEqual(streamedPaths(outcome), ['decoy.txt', 'z.txt']);
      assertSameFiles(
        await readTree(harness.staging),
        new Map([
          ['decoy.txt', content],
          ['z.txt', Buffer.from('z')],
        ]),
      );
    });

    it('keeps streaming when the download completes while a partial window of an entry is being read', async () => {
      const harness = await startStreaming();
      const large = randomBytes(MiB + 300 * KiB);
      const bytes = buildZip([
        { name: 'a.txt', data: 'a' },
        { name: 'large.bin', data: large, dataDescriptor: true },
        { name: 'z.txt', data: 'z' },
      ]);
      const dataStart = localHeaderOffset(bytes, 'large.bin') + 30 + 'large.bin'.length;
      // A slow disk, made deterministic: the read of the entry's first (partial) window returns only after the
      // rest of the archive has arrived. The window is still partial; the deflate stream simply continues.
      const read = harness.archive.read.bind(harness.archive);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let windowRead!: () => void;
      const windowReading = new Promise<void>((resolve) => (windowRead = resolve));
      harness.archive.read = async (position, length, signal) => {
        const bytesRead = await read(position, length, signal);
        if (position === dataStart && !harness.archive.isComplete) {
          windowRead();
          await released;
        }
        return bytesRead;
      };
      await feed(harness.writer, bytes.subarray(0, dataStart + 200 * KiB));
      await windowReading;
      await feed(harness.writer, bytes.subarray(dataStart + 200 * KiB));
      await endFeed(harness.writer);
      release();
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.deepEqual(streamedPaths(outcome), ['a.txt', 'large.bin', 'z.txt']);
      assert.ok((await fs.promises.readFile(path.join(harness.staging, 'large.bin'))).equals(large));
    });

    it('reads ZIP64 data descriptors (yazl, ZIP64 forced)', async () => {
      const files: YazlFile[] = [
        { name: 'a.txt', data: text(3000, 1), stream: true },
        { name: 'dir/b.bin', data: randomBytes(MiB + 1000), stream: true },
        { name: 'dir/empty.txt', data: Buffer.alloc(0), stream: true },
        { name: 'c.txt', data: text(100_000, 3), stream: true },
      ];
      const harness = await startStreaming({ prefill: await yazlZip(files, { forceZip64: true }) });
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.equal(outcome.entries.size, files.length);
      await extractRest(harness, outcome);
      assertSameFiles(await readTree(harness.staging), new Map(files.map((file) => [file.name, file.data])));
    });

    it('a time in the central directory only (yazl): streaming leaves it, adopting sets it once', async () => {
      const harness = await startStreaming();
      // An odd second: the local header's MS-DOS time (2-second steps) cannot say it.
      const time = new Date(Date.UTC(2021, 3, 5, 10, 11, 13));
      const zip = new yazl.ZipFile();
      zip.addBuffer(text(3 * KiB, 7), 'a.txt', { mtime: time });
      zip.addBuffer(text(5 * KiB, 8), 'sub/b.txt', { mtime: time });
      zip.end();
      const chunks: Buffer[] = [];
      for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
      await feed(harness.writer, Buffer.concat(chunks));
      await endFeed(harness.writer);
      const outcome = await harness.finish();
      assert.deepEqual(streamedPaths(outcome), ['a.txt', 'sub/b.txt']);
      for (const record of outcome.entries.values()) {
        assert.equal(record.timeUnset, true, record.relativePath);
        // Not the MS-DOS time, nor any set twice: the file's own time until it is adopted.
        const streamed = fs.statSync(path.join(harness.staging, record.relativePath)).mtime;
        assert.ok(streamed.getUTCFullYear() > 2021, `${record.relativePath}: ${streamed.toISOString()}`);
      }
      await extractRest(harness, outcome);
      for (const relative of ['a.txt', 'sub/b.txt'])
        assert.equal(fs.statSync(path.join(harness.staging, relative)).mtimeMs, time.getTime(), relative);
    });

    it('renames names Windows cannot store the same way in both passes (platform win32)', async () => {
      const entries: RawEntry[] = [
        { name: 'CON.txt', data: 'reserved name' },
        { name: 'what?.txt', data: 'question mark' },
        { name: 'Same.txt', data: 'first' },
        { name: 'same.txt', data: 'second', dataDescriptor: true },
      ];
      const harness = await startStreaming({ platform: 'win32', prefill: buildZip(entries) });
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.ok(!streamedPaths(outcome).includes('CON.txt'));
      const result = await extractRest(harness, outcome, { platform: 'win32' });
      assert.equal(result.renamed.length, 3);
      const tree = await readTree(harness.staging);
      assert.equal(tree.size, entries.length);
      for (const file of result.files) {
        const entry = entries.find((candidate) => candidate.name === file.archiveName)!;
        assert.equal(tree.get(file.relativePath)!.toString(), entry.data);
      }
    });
  });

  describe('Info-ZIP archives (sizes in the local headers, UT times)', () => {
    it('streams every entry and sets the same modification times as extraction without streaming', async () => {
      const harness = await startStreaming({ stripTopLevelFolder: 'Top' });
      const work = path.join(harness.sandbox.root, 'source');
      const sourceTop = path.join(work, 'Top');
      const contents = new Map<string, Buffer>();
      for (let index = 0; index < 40; index++) {
        contents.set(`folder${index % 4}/sub${index % 3}/file-${index}.txt`, text(10 + index * 397, index));
      }
      contents.set('folder1/tiny.txt', Buffer.from('hi\n')); // Info-ZIP stores tiny files (method 0).
      contents.set('media/stored.bin', randomBytes(40 * KiB)); // -n .bin: stored
      contents.set('media/large-stored.bin', randomBytes(MiB + 5000));
      contents.set('logs/large.log', text(2 * MiB, 99));
      let index = 0;
      const times = new Map<string, number>();
      for (const [relative, content] of contents) {
        const file = path.join(sourceTop, relative);
        await fs.promises.mkdir(path.dirname(file), { recursive: true });
        await fs.promises.writeFile(file, content);
        // Odd seconds: only the UT field (one-second precision) keeps them, not the MS-DOS time.
        const time = new Date(2021, 3, 5, 10, 11, 13 + 2 * index++);
        await fs.promises.utimes(file, time, time);
        times.set(relative, time.getTime());
      }
      const zipPath = path.join(work, 'infozip.zip');
      execFileSync('zip', ['-r', '-q', '-n', '.bin', zipPath, 'Top'], { cwd: work });
      const bytes = await fs.promises.readFile(zipPath);
      assert.equal(bytes.readUInt16LE(6) & 0x8, 0, 'Info-ZIP wrote the sizes in the local header');

      await feed(harness.writer, bytes.subarray(0, bytes.length >> 1));
      await waitUntil(() => harness.progress.files > 0, 'the first files are extracted');
      await feed(harness.writer, bytes.subarray(bytes.length >> 1));
      await endFeed(harness.writer);
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.deepEqual(streamedPaths(outcome), [...contents.keys()].sort());
      const methods = new Set([...outcome.entries.values()].map((entry) => entry.method));
      assert.deepEqual([...methods].sort(), [0, 8]);
      assertSameFiles(await readTree(harness.staging), contents, 'streamed');

      // Times as streaming left them, before the central directory pass could touch them.
      const streamedTimes = new Map<string, number>();
      for (const relative of contents.keys()) {
        streamedTimes.set(relative, fs.statSync(path.join(harness.staging, relative)).mtimeMs);
        assert.equal(streamedTimes.get(relative), times.get(relative), `streamed mtime of ${relative}`);
      }
      const plain = await makeExtractionDir(harness.sandbox.dest);
      await extractZip(zipPath, plain, { stripTopLevelFolder: 'Top' });
      for (const relative of contents.keys()) {
        assert.equal(
          streamedTimes.get(relative),
          fs.statSync(path.join(plain, relative)).mtimeMs,
          `mtime of ${relative} with and without streaming`,
        );
      }
      await removeStagingDir(plain);

      const result = await extractRest(harness, outcome, { stripTopLevelFolder: 'Top' });
      assert.equal(result.files.length, contents.size);
      assert.deepEqual(await diffTrees(sourceTop, harness.staging), []);
      for (const relative of contents.keys()) {
        assert.equal(fs.statSync(path.join(harness.staging, relative)).mtimeMs, times.get(relative));
      }
    });

    it('stops at a non-ASCII name without the UTF-8 flag and leaves it to the central directory', async () => {
      const harness = await startStreaming();
      const work = path.join(harness.sandbox.root, 'source');
      await fs.promises.mkdir(work);
      const names = ['a.txt', 'résumé.txt', 'z.txt'];
      for (const name of names) await fs.promises.writeFile(path.join(work, name), `content of ${name}\n`);
      const zipPath = path.join(harness.sandbox.root, 'names.zip');
      // The C locale: Info-ZIP stores the name's bytes without the UTF-8 flag.
      execFileSync('zip', ['-q', zipPath, ...names], { cwd: work, env: { ...process.env, LC_ALL: 'C' } });
      const bytes = await fs.promises.readFile(zipPath);
      assert.equal(bytes.readUInt16LE(localHeaderOffset(bytes, 'résumé.txt') + 6) & 0x800, 0);

      await feedAll(harness, bytes);
      const outcome = await harness.finish();
      assert.match(outcome.stoppedEarly ?? '', /central directory/);
      assert.deepEqual(streamedPaths(outcome), ['a.txt']);

      await extractRest(harness, outcome);
      const plain = await makeExtractionDir(harness.sandbox.dest);
      await extractZip(zipPath, plain);
      assertSameFiles(await readTree(harness.staging), await readTree(plain));
      await removeStagingDir(plain);
    });
  });

  it('stops at a stored entry with a data descriptor; the central directory pass extracts the rest', async () => {
    const harness = await startStreaming({ stripTopLevelFolder: 'Top' });
    const files: YazlFile[] = [
      { name: 'Top/one.txt', data: text(5000, 1), stream: true },
      { name: 'Top/dir/two.txt', data: text(70_000, 2), stream: true },
      { name: 'Top/dir/stored.bin', data: randomBytes(9000), stream: true, compress: false },
      { name: 'Top/three.txt', data: text(3000, 3), stream: true },
      { name: 'Top/known.bin', data: randomBytes(3000), compress: false },
    ];
    await feedAll(harness, await yazlZip(files));
    const outcome = await harness.finish();
    assert.match(outcome.stoppedEarly ?? '', /stored entry with a data descriptor/);
    assert.deepEqual(streamedPaths(outcome), ['dir/two.txt', 'one.txt']);
    const result = await extractRest(harness, outcome, { stripTopLevelFolder: 'Top' });
    assert.equal(result.files.length, files.length);
    assertSameFiles(
      await readTree(harness.staging),
      new Map(files.map((file) => [file.name.slice(4), file.data])),
    );
  });

  describe('a lean archive: only what the central directory pass needs reaches the disk', () => {
    /** Bytes the archive file occupies on disk (a sparse file's hole takes none). */
    const allocated = (file: string): number => fs.statSync(file).blocks * 512;
    const bigFiles = (count: number): YazlFile[] =>
      Array.from({ length: count }, (_, index) => ({
        name: `big/${index}.bin`,
        data: randomBytes(700 * KiB),
        stream: true,
      }));

    it('streaming reaches the central directory: the archive keeps only its tail, the files are all there', async () => {
      const harness = await startStreaming({ lean: true });
      const files = [
        ...bigFiles(13),
        ...Array.from({ length: 300 }, (_, index) => ({
          name: `small/${index}.txt`,
          data: text(2000, index),
          stream: true,
        })),
      ];
      const bytes = await yazlZip(files);
      // Over the window the download may run ahead of the reader (8 MB): the feed waits for it on the way.
      await feedAll(harness, bytes);
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.equal(sizeOf(harness.archive.path), bytes.length, 'the file has the archive’s length');
      assert.ok(
        allocated(harness.archive.path) < 1 * MiB,
        `${allocated(harness.archive.path)} bytes of a ${bytes.length}-byte archive on disk`,
      );
      await harness.archive.close();
      const result = await extractRest(harness, outcome, { unreadableBefore: harness.archive.holeEnd });
      assert.equal(result.files.length, files.length);
      assertSameFiles(await readTree(harness.staging), new Map(files.map((file) => [file.name, file.data])));
    });

    it('streaming stops at an entry it cannot handle: that entry and the rest are kept, and extracted', async () => {
      const harness = await startStreaming({ lean: true });
      const files: YazlFile[] = [
        ...bigFiles(4),
        { name: 'stored.bin', data: randomBytes(9000), stream: true, compress: false },
        { name: 'after.txt', data: text(3000, 3), stream: true },
      ];
      const bytes = await yazlZip(files);
      await feedAll(harness, bytes);
      const outcome = await harness.finish();
      assert.match(outcome.stoppedEarly ?? '', /stored entry with a data descriptor/);
      const stored = localHeaderOffset(bytes, 'stored.bin');
      assert.ok(
        harness.archive.holeEnd > 0 && harness.archive.holeEnd <= stored,
        'the unhandled entry is kept',
      );
      assert.ok(
        allocated(harness.archive.path) < 1 * MiB,
        `${allocated(harness.archive.path)} bytes on disk`,
      );
      await harness.archive.close();
      const result = await extractRest(harness, outcome, { unreadableBefore: harness.archive.holeEnd });
      assert.equal(result.files.length, files.length);
      assertSameFiles(await readTree(harness.staging), new Map(files.map((file) => [file.name, file.data])));
    });

    it('an entry to extract in the part not kept: StreamMismatchError (the caller fetches a fresh archive)', async () => {
      const harness = await startStreaming({ lean: true });
      const bytes = await yazlZip([...bigFiles(3), { name: 'last.txt', data: text(100, 1), stream: true }]);
      await feedAll(harness, bytes);
      const outcome = await harness.finish();
      const first = localHeaderOffset(bytes, 'big/0.bin');
      // As if streaming had not extracted the first file: the central directory pass would have to read it.
      outcome.entries.delete(first);
      await fs.promises.rm(path.join(harness.staging, 'big', '0.bin'));
      await harness.archive.close();
      await assert.rejects(
        extractRest(harness, outcome, { unreadableBefore: harness.archive.holeEnd }),
        (error: Error) => {
          assert.ok(error instanceof StreamMismatchError, `${error.name}: ${error.message}`);
          assert.match(error.message, /big\/0\.bin/);
          return true;
        },
      );
    });
  });

  describe('local headers that disagree with the central directory → StreamMismatchError', () => {
    it('a local header naming another file', async () => {
      const harness = await startStreaming();
      await feedAll(
        harness,
        buildZip([
          { name: 'a.txt', data: 'first file' },
          { name: 'b.txt', localName: 'c.txt', data: 'second file' },
          { name: 'd.txt', data: 'third file' },
        ]),
      );
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.deepEqual(streamedPaths(outcome), ['a.txt', 'c.txt', 'd.txt']);
      await assert.rejects(extractRest(harness, outcome), (error: Error) => {
        assert.ok(error instanceof StreamMismatchError, `${error.name}: ${error.message}`);
        assert.match(error.message, /b\.txt/);
        return true;
      });
      // Starting over from the central directory: the extractor's own local-header check refuses the entry.
      await emptyFolder(harness.staging);
      await expectArchiveError(extractZip(harness.archive.path, harness.staging), 'invalid', 'b.txt');
    });

    it('a central directory in another order: the same names planned to other paths', async () => {
      const harness = await startStreaming();
      // Case-insensitive duplicates: whichever comes first keeps its name, so the order decides the paths.
      const bytes = reorderCentralDirectory(
        buildZip([
          { name: 'Report.txt', data: 'upper case, first in the stream' },
          { name: 'report.txt', data: 'lower case, first in the central directory' },
        ]),
        [1, 0],
      );
      await feedAll(harness, bytes);
      const outcome = await harness.finish();
      assert.equal(outcome.stoppedEarly, undefined);
      assert.ok(streamedPaths(outcome).includes('Report.txt'));
      await assert.rejects(extractRest(harness, outcome), StreamMismatchError);

      await emptyFolder(harness.staging);
      const result = await extractZip(harness.archive.path, harness.staging);
      const lower = result.files.find((file) => file.archiveName === 'report.txt')!;
      const upper = result.files.find((file) => file.archiveName === 'Report.txt')!;
      assert.equal(lower.relativePath, 'report.txt');
      assert.notEqual(upper.relativePath, 'Report.txt');
      const tree = await readTree(harness.staging);
      assert.equal(tree.size, 2);
      assert.equal(tree.get('report.txt')!.toString(), 'lower case, first in the central directory');
      assert.equal(tree.get(upper.relativePath)!.toString(), 'upper case, first in the stream');
    });

    it('an entry that exists only as a local header', async () => {
      const harness = await startStreaming();
      await feedAll(
        harness,
        buildZip([
          { name: 'a.txt', data: 'listed' },
          { name: 'hidden.txt', data: 'not in the central directory', omitFromCentralDirectory: true },
          { name: 'b.txt', data: 'listed too' },
        ]),
      );
      const outcome = await harness.finish();
      assert.deepEqual(streamedPaths(outcome), ['a.txt', 'b.txt', 'hidden.txt']);
      await assert.rejects(extractRest(harness, outcome), (error: Error) => {
        assert.ok(error instanceof StreamMismatchError, `${error.name}: ${error.message}`);
        assert.match(error.message, /not files of the central directory/);
        return true;
      });
      await emptyFolder(harness.staging);
      await extractZip(harness.archive.path, harness.staging);
      assertSameFiles(
        await readTree(harness.staging),
        new Map([
          ['a.txt', Buffer.from('listed')],
          ['b.txt', Buffer.from('listed too')],
        ]),
      );
    });
  });

  describe('hostile names: streaming stops, nothing is written outside the staging folder', () => {
    const cases: {
      label: string;
      entry: (sandbox: Sandbox) => RawEntry;
      options?: HarnessOptions;
      code: ArchiveErrorCode;
    }[] = [
      { label: '../evil.txt', entry: () => ({ name: '../evil.txt', data: 'evil' }), code: 'unsafe_path' },
      {
        label: 'a/../../evil.txt',
        entry: () => ({ name: 'a/../../evil.txt', data: 'evil' }),
        code: 'unsafe_path',
      },
      {
        label: 'an absolute path into a folder next to the destination',
        entry: (sandbox) => ({ name: path.join(sandbox.elsewhere, 'evil.txt'), data: 'evil' }),
        code: 'unsafe_path',
      },
      {
        label: 'Top/../evil.txt with the top folder stripped',
        entry: () => ({ name: 'Top/../evil.txt', data: 'evil' }),
        options: { stripTopLevelFolder: 'Top' },
        code: 'unsafe_path',
      },
      {
        label: 'a safe central name whose local header says ../evil.txt',
        // Names of the same length, or the central directory's overlap check would answer first.
        entry: () => ({ name: 'fine/ok.txt', localName: '../evil.txt', data: 'evil' }),
        code: 'invalid',
      },
    ];
    for (const { label, entry, options, code } of cases) {
      it(label, async () => {
        const harness = await startStreaming(options);
        const hostile = entry(harness.sandbox);
        await feedAll(
          harness,
          buildZip([
            { name: 'Top/harmless.txt', data: 'harmless' },
            hostile,
            { name: 'Top/after.txt', data: 'after' },
          ]),
        );
        const outcome = await harness.finish();
        assert.match(outcome.stoppedEarly ?? '', /unsafe/i);
        assert.equal(outcome.entries.size, 1);
        const harmlessPath = options?.stripTopLevelFolder ? 'harmless.txt' : 'Top/harmless.txt';
        assertSameFiles(await readTree(harness.staging), new Map([[harmlessPath, Buffer.from('harmless')]]));

        await expectArchiveError(extractRest(harness, outcome, options ?? {}), code);
        await harness.archive.close();
        await fs.promises.rm(harness.archive.path);
        await removeStagingDir(harness.staging);
        assert.deepEqual(await snapshot(harness.sandbox.root), harness.before);
        assert.deepEqual(await fs.promises.readdir(harness.sandbox.elsewhere), []);
      });
    }
  });

  describe('symlink entries: local headers carry no file type, so only the central directory can refuse them', () => {
    const link = (name: string, target: string): RawEntry => ({
      name,
      data: target,
      method: 0,
      externalAttributes: unixAttributes(S_IFLNK | 0o777),
    });
    const cases: { label: string; entries: (sandbox: Sandbox) => RawEntry[]; streamed: string[] }[] = [
      {
        label: 'a symlink to a folder outside: streamed, if at all, as a plain file holding the target',
        entries: (sandbox) => [
          { name: 'harmless.txt', data: 'harmless' },
          link('link', sandbox.elsewhere),
          { name: 'after.txt', data: 'after' },
        ],
        streamed: ['after.txt', 'harmless.txt', 'link'],
      },
      {
        label: 'a symlink, then a file written through it: nothing lands in the folder it points at',
        entries: (sandbox) => [
          { name: 'harmless.txt', data: 'harmless' },
          link('link', sandbox.elsewhere),
          { name: 'link/planted.txt', data: 'planted', dataDescriptor: true },
        ],
        // The file-folder clash is renamed as for any archive: the link is a plain file here, never a folder.
        streamed: ['harmless.txt', 'link', 'link (2)/planted.txt'],
      },
    ];
    for (const { label, entries, streamed } of cases) {
      it(label, async () => {
        const harness = await startStreaming();
        const archive = entries(harness.sandbox);
        await feedAll(harness, buildZip(archive));
        const outcome = await harness.finish();
        assert.deepEqual(streamedPaths(outcome), streamed);
        const staged = await snapshot(harness.staging);
        for (const [relative, entry] of staged)
          assert.notEqual(entry.type, 'symlink', `${relative} is a link`);
        // The link's "content" is its target: harmless as a file, and the central directory pass refuses it.
        assert.equal(
          (await fs.promises.readFile(path.join(harness.staging, 'link'))).toString(),
          harness.sandbox.elsewhere,
        );
        assert.deepEqual(await fs.promises.readdir(harness.sandbox.elsewhere), []);

        await expectArchiveError(extractRest(harness, outcome), 'symlink', 'link');
        await harness.archive.close();
        await fs.promises.rm(harness.archive.path);
        await removeStagingDir(harness.staging);
        assert.deepEqual(await snapshot(harness.sandbox.root), harness.before);
        assert.deepEqual(await fs.promises.readdir(harness.sandbox.elsewhere), []);
      });
    }
  });

  describe('corrupt entries: streaming stops, earlier entries are kept, the central directory pass reports', () => {
    const first: RawEntry = { name: 'first.txt', data: 'the first file, intact' };
    const last: RawEntry = { name: 'last.txt', data: 'never reached' };
    const big = randomBytes(MiB + 300 * KiB);
    const cases: { label: string; entry: RawEntry; reason: RegExp; code: ArchiveErrorCode }[] = [
      {
        label: 'corrupt deflate data (sizes in the local header)',
        entry: { name: 'bad.txt', data: 'x'.repeat(500), payload: Buffer.alloc(40, 0xff) },
        reason: /corrupt/,
        code: 'invalid',
      },
      {
        label: 'corrupt deflate data (data descriptor)',
        entry: {
          name: 'bad.txt',
          data: 'x'.repeat(500),
          payload: Buffer.alloc(40, 0xff),
          dataDescriptor: true,
        },
        reason: /corrupt/,
        code: 'invalid',
      },
      {
        label: 'a wrong CRC-32 in the data descriptor (small entry)',
        entry: { name: 'bad.txt', data: text(20_000, 5), dataDescriptor: true, crc32: 0x12345678 },
        reason: /data descriptor/,
        code: 'crc_mismatch',
      },
      {
        label: 'a wrong CRC-32 in the data descriptor (large entry, streamed to its file)',
        entry: { name: 'bad.txt', data: big, dataDescriptor: true, crc32: 0x12345678 },
        reason: /data descriptor/,
        code: 'crc_mismatch',
      },
      {
        label: 'a wrong CRC-32 in the local header (small entry)',
        entry: { name: 'bad.txt', data: text(20_000, 6), crc32: 0x12345678 },
        reason: /CRC-32/,
        code: 'crc_mismatch',
      },
      {
        label: 'a wrong CRC-32 in the local header (large entry, streamed to its file)',
        entry: { name: 'bad.txt', data: big, crc32: 0x12345678 },
        reason: /CRC-32/,
        code: 'crc_mismatch',
      },
    ];
    for (const { label, entry, reason, code } of cases) {
      it(label, async () => {
        const harness = await startStreaming({ prefill: buildZip([first, entry, last]) });
        const outcome = await harness.finish();
        assert.match(outcome.stoppedEarly ?? '', reason);
        assert.deepEqual(streamedPaths(outcome), ['first.txt']);
        // No file for the corrupt entry, not even a removed-later one: the second pass must be able to create it.
        assertSameFiles(await readTree(harness.staging), new Map([['first.txt', Buffer.from(first.data!)]]));
        await expectArchiveError(extractRest(harness, outcome), code, 'bad.txt');
      });
    }
  });

  describe('zip bombs: streaming stops and leaves nothing over the limit', () => {
    const zeros = Buffer.alloc(6 * MiB);
    for (const dataDescriptor of [false, true]) {
      it(`a highly compressible entry over the ratio limit${dataDescriptor ? ' (data descriptor)' : ''}`, async () => {
        const limits = { maxEntryRatio: 20 };
        const harness = await startStreaming({
          limits,
          prefill: buildZip([
            { name: 'small.txt', data: 'small' },
            { name: 'bomb.bin', data: zeros, dataDescriptor },
          ]),
        });
        const outcome = await harness.finish();
        assert.match(outcome.stoppedEarly ?? '', /ratio/);
        assert.deepEqual(streamedPaths(outcome), ['small.txt']);
        assertSameFiles(await readTree(harness.staging), new Map([['small.txt', Buffer.from('small')]]));
        await expectArchiveError(extractRest(harness, outcome, { limits }), 'zip_bomb');
      });
    }

    for (const dataDescriptor of [false, true]) {
      it(`a compressible log file (8-fold, under the ratio limit) is no bomb: it streams${dataDescriptor ? ' (data descriptor)' : ''}`, async () => {
        const random = createRandom(8);
        const lines = Array.from({ length: 60_000 }, (_, index) =>
          index % 3 === 0
            ? `${random()} ${random()}\n`
            : '2024-01-01 INFO request handled status=200 path=/api/v1/items\n',
        );
        const log = Buffer.from(lines.join(''));
        const bytes = buildZip([
          { name: 'server.log', data: log, dataDescriptor },
          { name: 'after.txt', data: 'after' },
        ]);
        assert.ok(log.length / bytes.length > 5 && log.length / bytes.length < 20);
        const harness = await startStreaming({ prefill: bytes });
        const outcome = await harness.finish();
        assert.equal(outcome.stoppedEarly, undefined);
        assert.deepEqual(streamedPaths(outcome), ['after.txt', 'server.log']);
        await extractRest(harness, outcome);
        assert.ok((await fs.promises.readFile(path.join(harness.staging, 'server.log'))).equals(log));
      });
    }

    it('small entries beyond the total size limit', async () => {
      const limits = { maxTotalBytes: 256 * KiB };
      const harness = await startStreaming({ limits });
      const entries: RawEntry[] = Array.from({ length: 30 }, (_, index) => ({
        name: `dir/file-${index}.txt`,
        data: text(20 * KiB, index),
      }));
      await feedAll(harness, buildZip(entries));
      const outcome = await harness.finish();
      assert.match(outcome.stoppedEarly ?? '', /size limit/);
      const tree = await readTree(harness.staging);
      const total = [...tree.values()].reduce((sum, content) => sum + content.length, 0);
      assert.ok(total <= limits.maxTotalBytes, `${total} bytes written`);
      assert.ok(tree.size > 0 && tree.size < entries.length);
      assert.equal(outcome.entries.size, tree.size);
      await expectArchiveError(extractRest(harness, outcome, { limits }), 'zip_bomb');
    });

    for (const dataDescriptor of [false, true]) {
      it(`a large entry beyond the total size limit${dataDescriptor ? ' (data descriptor)' : ''}`, async () => {
        const limits = { maxTotalBytes: 1536 * KiB };
        const harness = await startStreaming({
          limits,
          prefill: buildZip([
            { name: 'small.txt', data: 'small' },
            { name: 'large.log', data: text(2 * MiB, 7), dataDescriptor },
          ]),
        });
        const outcome = await harness.finish();
        assert.match(outcome.stoppedEarly ?? '', /size limit/);
        assertSameFiles(await readTree(harness.staging), new Map([['small.txt', Buffer.from('small')]]));
        await expectArchiveError(extractRest(harness, outcome, { limits }), 'zip_bomb');
      });
    }
  });

  /** Small files, then a 3 MiB entry, then one more small file. */
  function archiveWithLargeEntry(large: Partial<RawEntry>): { bytes: Buffer; small: Map<string, Buffer> } {
    const small = new Map<string, Buffer>();
    for (let index = 0; index < 20; index++)
      small.set(`small/file-${index}.txt`, text(2000 + index * 100, index));
    const bytes = buildZip([
      ...[...small].map(([name, data]) => ({ name, data })),
      { name: 'large.bin', data: randomBytes(3 * MiB), ...large },
      { name: 'after.txt', data: 'after' },
    ]);
    return { bytes, small };
  }
  const largeForms: { label: string; large: Partial<RawEntry> }[] = [
    { label: 'stored, sizes in the local header', large: { method: 0 } },
    { label: 'deflated, data descriptor', large: { method: 8, dataDescriptor: true } },
  ];

  describe('abort', () => {
    for (const { label, large } of largeForms) {
      it(`in the middle of a large entry (${label}): AbortError, no partial file`, async () => {
        const harness = await startStreaming();
        const { bytes, small } = archiveWithLargeEntry(large);
        const largeStart = localHeaderOffset(bytes, 'large.bin');
        await feed(harness.writer, bytes.subarray(0, largeStart + (3 * MiB) / 2));
        const target = path.join(harness.staging, 'large.bin');
        await waitUntil(() => sizeOf(target) >= 512 * KiB, 'the large entry is being written');
        harness.controller.abort();
        await assert.rejects(harness.finish(), (error: Error) => {
          assert.equal(error.name, 'AbortError', `${error.name}: ${error.message}`);
          assert.ok(!(error instanceof ArchiveError));
          return true;
        });
        assert.equal(fs.existsSync(target), false, 'the entry in progress was removed');
        for (const [relative, content] of await readTree(harness.staging)) {
          assert.ok(small.get(relative)?.equals(content), `unexpected or partial file ${relative}`);
        }
      });
    }

    it('while waiting for the download: AbortError', async () => {
      const harness = await startStreaming();
      const { bytes, small } = archiveWithLargeEntry({});
      await feed(harness.writer, bytes.subarray(0, localHeaderOffset(bytes, 'large.bin')));
      await waitUntil(() => harness.progress.files === small.size, 'the small files are extracted');
      harness.controller.abort();
      await assert.rejects(harness.finish(), { name: 'AbortError' });
      assertSameFiles(await readTree(harness.staging), small);
    });

    it('before anything arrived: AbortError, nothing written', async () => {
      const harness = await startStreaming();
      harness.controller.abort();
      await assert.rejects(harness.finish(), { name: 'AbortError' });
      assert.deepEqual(await fs.promises.readdir(harness.staging), []);
    });
  });

  describe('download failures end streaming without an error', () => {
    it('cut between small entries: the files written so far are complete', async () => {
      const harness = await startStreaming();
      const { bytes, small } = archiveWithLargeEntry({});
      await feed(harness.writer, bytes.subarray(0, localHeaderOffset(bytes, 'small/file-12.txt') + 10));
      await waitUntil(() => harness.progress.files >= 5, 'some files are extracted');
      harness.writer.destroy(new Error('cut'));
      const outcome = await harness.finish();
      assert.ok(outcome.stoppedEarly !== undefined);
      const tree = await readTree(harness.staging);
      assert.ok(tree.size >= 5 && tree.size <= 12);
      assert.deepEqual([...tree.keys()].sort(), streamedPaths(outcome));
      for (const [relative, content] of tree) assert.ok(small.get(relative)!.equals(content), relative);
    });

    for (const { label, large } of largeForms) {
      it(`cut in the middle of a large entry (${label}): resolves, no partial file`, async () => {
        const harness = await startStreaming();
        const { bytes, small } = archiveWithLargeEntry(large);
        await feed(harness.writer, bytes.subarray(0, localHeaderOffset(bytes, 'large.bin') + (3 * MiB) / 2));
        const target = path.join(harness.staging, 'large.bin');
        await waitUntil(() => sizeOf(target) >= 512 * KiB, 'the large entry is being written');
        harness.writer.destroy(new Error('cut'));
        const outcome = await harness.finish();
        assert.ok(outcome.stoppedEarly !== undefined);
        assert.equal(fs.existsSync(target), false, 'the entry in progress was removed');
        assertSameFiles(await readTree(harness.staging), small);
        assert.deepEqual(streamedPaths(outcome), [...small.keys()].sort());
      });
    }

    it('an archive that ends before its central directory', async () => {
      const harness = await startStreaming();
      await feedAll(harness, buildZip([{ name: 'a.txt', data: 'a' }], { omitCentralDirectory: true }));
      const outcome = await harness.finish();
      assert.match(outcome.stoppedEarly ?? '', /ended before its central directory/);
      assert.deepEqual(streamedPaths(outcome), ['a.txt']);
    });
  });

  describe('stripTopLevelFolder', () => {
    it('writes entries under Top/ without the prefix and stops at the first entry outside', async () => {
      const harness = await startStreaming({ stripTopLevelFolder: 'Top' });
      const entries: RawEntry[] = [
        { name: 'Top/', data: '' },
        { name: 'Top/a.txt', data: 'a' },
        { name: 'Top/sub/b.txt', data: 'b', dataDescriptor: true },
        { name: 'Other/c.txt', data: 'c' },
        { name: 'Top/d.txt', data: 'd' },
      ];
      await feedAll(harness, buildZip(entries));
      const outcome = await harness.finish();
      assert.match(outcome.stoppedEarly ?? '', /outside the top-level folder/);
      assert.deepEqual(streamedPaths(outcome), ['a.txt', 'sub/b.txt']);
      assertSameFiles(
        await readTree(harness.staging),
        new Map([
          ['a.txt', Buffer.from('a')],
          ['sub/b.txt', Buffer.from('b')],
        ]),
      );
      // Not every entry is under Top/, so the central directory pass does not strip: the paths disagree.
      await assert.rejects(
        extractRest(harness, outcome, { stripTopLevelFolder: 'Top' }),
        StreamMismatchError,
      );
      await emptyFolder(harness.staging);
      const result = await extractZip(harness.archive.path, harness.staging, { stripTopLevelFolder: 'Top' });
      assert.equal(result.strippedTopLevelFolder, undefined);
      assertSameFiles(
        await readTree(harness.staging),
        new Map(
          entries
            .filter((entry) => !entry.name.toString().endsWith('/'))
            .map((entry) => [entry.name.toString(), Buffer.from(entry.data!)]),
        ),
      );
    });
  });
});
