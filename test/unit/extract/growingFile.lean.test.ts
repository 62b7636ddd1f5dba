import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GrowingFile } from '../../../src/core/extract/growingFile';
import { makeSandbox, type Sandbox } from './sandbox';
import { collectGarbage } from '../../helpers/memory';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
/** #15's temporary-disk target allows extracted size + 64 MB: the lean archive's own share. */
const DISK_BOUND = 64 * MiB;

/** A byte per offset that differs between nearby chunks, so a piece read from the wrong place shows. */
function byteAt(offset: number): number {
  return (offset * 7 + Math.floor(offset / CHUNK)) & 255;
}

function chunkAt(start: number): Buffer {
  const chunk = Buffer.allocUnsafe(CHUNK);
  for (let i = 0; i < CHUNK; i++) chunk[i] = byteAt(start + i);
  return chunk;
}

/** Blocks really allocated under the folder (the archive is sparse; spill files are not). */
async function diskUsed(folder: string): Promise<{ bytes: number; names: string[] }> {
  const names = await fs.promises.readdir(folder);
  let bytes = 0;
  for (const name of names) {
    // A spill file may be deleted between the listing and its stat: it then takes no disk.
    const stat = await fs.promises.stat(path.join(folder, name)).catch(() => undefined);
    bytes += (stat?.blocks ?? 0) * 512;
  }
  return { bytes, names };
}

function turns(count: number): Promise<void> {
  return count === 0
    ? Promise.resolve()
    : new Promise((resolve) => setImmediate(() => void turns(count - 1).then(resolve)));
}

describe('lean archive (GrowingFile) with a slow reader', () => {
  let sandbox: Sandbox;
  let file: GrowingFile;
  beforeEach(async () => {
    sandbox = await makeSandbox();
    file = await GrowingFile.create(sandbox.zipPath, { lean: true });
  });
  afterEach(async () => {
    await file.close();
    await sandbox.cleanup();
  });

  it('keeps taking the download past its memory window, spilling to disk within the bound, and gives the disk back as the reader releases', async function () {
    this.timeout(120_000);
    const total = 80 * MiB;
    const signal = new AbortController().signal;
    const writable = file.writable();
    const finished = new Promise<void>((resolve, reject) => {
      writable.on('finish', resolve);
      writable.on('error', reject);
    });
    void (async () => {
      for (let start = 0; start < total; start += CHUNK) {
        if (!writable.write(chunkAt(start))) await new Promise((resolve) => writable.once('drain', resolve));
      }
      writable.end();
    })();

    // Nobody reads: the download must still run well past the 8 MB window (it used to stop there).
    await file.waitFor(48 * MiB, signal);
    await turns(50);
    const stalled = await diskUsed(sandbox.root);
    assert.ok(stalled.bytes <= DISK_BOUND, `temporary disk ${stalled.bytes} > ${DISK_BOUND}`);
    assert.ok(file.available < total, 'the download runs unboundedly ahead of the reader');
    assert.ok(
      stalled.names.some((name) => name.startsWith('archive.zip.spill-')),
      `no spill file: ${stalled.names.join(', ')}`,
    );

    // The reader catches up in 1 MB reads that cross memory and spill files; the disk stays bounded throughout.
    let peak = 0;
    for (let position = 0; position < total;) {
      file.release(position);
      const bytes = await file.read(position, MiB, signal);
      assert.ok(bytes.length > 0, `nothing at ${position}`);
      for (let i = 0; i < bytes.length; i += 4093) {
        assert.equal(bytes[i], byteAt(position + i), `byte at ${position + i}`);
      }
      position += bytes.length;
      peak = Math.max(peak, (await diskUsed(sandbox.root)).bytes);
    }
    await finished;
    assert.ok(peak <= DISK_BOUND, `temporary disk peaked at ${peak} > ${DISK_BOUND}`);

    // Streaming stops at the end: the tail is written at its offset and no spill file is left.
    file.release(total - 1000);
    await file.keepTheRest();
    const tail = await file.read(total - 1000, 1000, signal);
    assert.equal(tail.length, 1000);
    for (let i = 0; i < 1000; i++) assert.equal(tail[i], byteAt(total - 1000 + i));
    const after = await diskUsed(sandbox.root);
    assert.deepEqual(
      after.names.filter((name) => name.includes('.spill-')),
      [],
    );
    // What is left is the piece holding the tail: at most one spill file's worth (4 MB).
    assert.ok(after.bytes <= 5 * MiB, `${after.bytes} bytes left on disk`);
  });

  it('writes spilled bytes at their offsets when streaming stops before reading them', async function () {
    this.timeout(120_000);
    const total = 24 * MiB;
    const signal = new AbortController().signal;
    const writable = file.writable();
    for (let start = 0; start < total; start += CHUNK) writable.write(chunkAt(start));
    await file.waitFor(total, signal);
    // The reader had consumed 1 MB when it gave up: the rest (memory and spill files) must reach the archive.
    file.release(MiB);
    await file.keepTheRest();
    // Pieces are dropped whole, so the hole may end before the released point, never after it.
    assert.ok(file.holeEnd <= MiB, `hole up to ${file.holeEnd}`);
    const end = new Promise<void>((resolve) => writable.end(resolve));
    await end;
    for (const position of [MiB, 8 * MiB - 10, 8 * MiB + 12345, total - 5000]) {
      const bytes = await file.read(position, 4000, signal);
      for (let i = 0; i < bytes.length; i++)
        assert.equal(bytes[i], byteAt(position + i), `byte at ${position + i}`);
    }
    const left = await diskUsed(sandbox.root);
    assert.deepEqual(
      left.names.filter((name) => name.includes('.spill-')),
      [],
    );
  });
  it('finishes a read across two spill files that was under way when it closed, and takes no descriptor twice', async () => {
    const signal = new AbortController().signal;
    const writable = file.writable();
    // 8 MiB in memory, then spill files of 4 MiB: the read below crosses from the first into the second.
    for (let start = 0; start < 12 * MiB + CHUNK; start += CHUNK) {
      await new Promise<void>((resolve, reject) =>
        writable.write(chunkAt(start), (error) => (error ? reject(error) : resolve())),
      );
    }
    const position = 12 * MiB - 100;
    const reading = file.read(position, 200, signal);
    const closing = file.close();
    // It used to find nothing (close dropped what the read was about to use) or a spill descriptor already closed.
    const bytes = Buffer.from(await reading);
    await closing;
    assert.equal(bytes.length, 200);
    for (let i = 0; i < bytes.length; i++)
      assert.equal(bytes[i], byteAt(position + i), `byte at ${position + i}`);
    await assert.rejects(async () => file.read(0, 10, signal), /is closed/);
    // A second close (the afterEach hook's) must not close the numbers again: they may be someone else's by now.
    const other = path.join(sandbox.root, 'other');
    await fs.promises.writeFile(other, 'x');
    const reused = await fs.promises.open(other, 'r');
    await file.close();
    assert.equal((await reused.read(Buffer.alloc(1), 0, 1, 0)).bytesRead, 1);
    await reused.close();
  });
});

describe('lean archives share one memory budget (parallel streams)', () => {
  let sandbox: Sandbox;
  beforeEach(async () => (sandbox = await makeSandbox()));
  afterEach(() => sandbox.cleanup());

  it('three archives whose readers lag hold at most one budget in memory together, the rest spilled, every byte readable', async function () {
    this.timeout(120_000);
    const perFile = 6 * MiB;
    const files = await Promise.all(
      [0, 1, 2].map((index) =>
        GrowingFile.create(path.join(sandbox.root, `part${index}.zip`), { lean: true }),
      ),
    );
    let closed = false;
    try {
      for (const file of files) {
        const writable = file.writable();
        for (let start = 0; start < perFile; start += CHUNK) {
          // A socket's read: a fresh buffer, dropped by the caller as soon as it is written.
          await new Promise<void>((resolve, reject) =>
            writable.write(chunkAt(start), (error) => (error ? reject(error) : resolve())),
          );
        }
      }
      const signal = new AbortController().signal;
      for (const file of files) {
        for (const start of [0, perFile / 2, perFile - CHUNK]) {
          const bytes = await file.read(start, CHUNK, signal);
          assert.ok(bytes.equals(chunkAt(start)), `bytes at ${start}`);
        }
      }
      // Nothing released: each archive still holds all 6 MB (18 MB before: one 8 MB window per archive). What the
      // archives hold is what closing them gives back.
      collectGarbage();
      const open = process.memoryUsage().arrayBuffers;
      closed = true;
      await Promise.all(files.map((file) => file.close()));
      collectGarbage();
      const held = open - process.memoryUsage().arrayBuffers;
      assert.ok(held <= 9 * MiB, `${(held / MiB).toFixed(1)} MB held in memory by three archives`);
    } finally {
      if (!closed) await Promise.all(files.map((file) => file.close()));
    }
  });
});
