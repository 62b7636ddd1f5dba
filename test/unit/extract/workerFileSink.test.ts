import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkerFileSink } from '../../../src/core/extract/workerFileSink';
import type { WriteJob } from '../../../src/core/extract/fileSink';
import { writerPool } from '../../../src/core/extract/writerPool';
import { makeSandbox, type Sandbox } from './sandbox';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { collectGarbage } from '../../helpers/memory';

/** The process's OS threads (Linux): each writer thread is one, and costs ~10 MB of resident memory. */
function osThreads(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)![1]);
}

describe('WorkerFileSink memory', function () {
  let sandbox: Sandbox;
  beforeEach(async () => (sandbox = await makeSandbox()));
  afterEach(() => sandbox.cleanup());

  function openSink(written: WriteJob[], onWritten = (): void => undefined): WorkerFileSink<WriteJob> {
    return new WorkerFileSink<WriteJob>(new AbortController().signal, {
      onWritten: (job) => {
        written.push(job);
        onWritten();
      },
      onError: (error) => assert.fail(error),
    });
  }

  it('sinks open at once share two writer threads, which stop when the last sink closes', async function () {
    requirePrerequisite(this, fs.existsSync('/proc/self/status'), '/proc/self/status (Linux)');
    const before = osThreads();
    const written: WriteJob[] = [];
    let allWritten!: () => void;
    const threeWritten = new Promise<void>((resolve) => (allWritten = resolve));
    // The three parts of a planned pull, each with its sink.
    const sinks = [0, 1, 2].map(() =>
      openSink(written, () => {
        if (written.length === 3) allWritten();
      }),
    );
    await Promise.all(
      sinks.map((sink, part) =>
        sink.write({
          target: path.join(sandbox.dest, `part${part}.txt`),
          content: Buffer.from(`part ${part}`),
          entryName: `part${part}.txt`,
        }),
      ),
    );
    // Every sink has had a file written, and none is closed: the threads all run.
    await threeWritten;
    const during = osThreads();
    await Promise.all(sinks.map((sink) => sink.close()));
    const after = osThreads();
    console.log(`      OS threads: ${before} before, ${during} with 3 sinks open, ${after} after`);
    assert.equal(written.length, 3);
    assert.equal(await fs.promises.readFile(path.join(sandbox.dest, 'part2.txt'), 'utf8'), 'part 2');
    assert.ok(during - before >= 1 && during - before <= 2, `3 sinks started ${during - before} threads`);
    assert.ok(after <= before, `${after - before} threads still run after every sink closed`);
  });

  it('a sink that is given no file starts no thread (an archive of large files only)', async function () {
    const sink = openSink([]);
    await sink.createDirectories([]);
    const during = writerPool.threadCount;
    await sink.close();
    assert.equal(during, 0, `${during} threads started for nothing`);
  });

  it('holds a small file as its own bytes, not the larger buffer it is a view of', async function () {
    // A streamed small file's content is a slice of zlib's 16 KB output chunk: 100 such files waiting for a batch
    // kept 100 chunks alive (6.4 MB here, with 64 KB buffers), not 100 KB.
    const written: WriteJob[] = [];
    let firstWritten!: () => void;
    const warmedUp = new Promise<void>((resolve) => (firstWritten = resolve));
    const sink = openSink(written, () => firstWritten());
    // A first batch, written and its buffer handed back: the batches below reuse it instead of counting a new one.
    await sink.write({
      target: path.join(sandbox.dest, 'first.txt'),
      content: Buffer.from('1'),
      entryName: 'first.txt',
    });
    await warmedUp;
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const writes: Promise<void>[] = [];
    for (let index = 0; index < 100; index++) {
      const chunk = Buffer.alloc(64 * 1024, index);
      writes.push(
        sink.write({
          target: path.join(sandbox.dest, `small${index}.txt`),
          content: chunk.subarray(0, 1000),
          entryName: `small${index}.txt`,
        }),
      );
    }
    // Synchronously after the writes: the files wait in the sink for their batch, and only it refers to them.
    collectGarbage();
    const held = process.memoryUsage().arrayBuffers - before;
    await Promise.all(writes);
    await sink.close();
    assert.equal(written.length, 101);
    assert.equal((await fs.promises.readFile(path.join(sandbox.dest, 'small99.txt'))).length, 1000);
    assert.ok(held < 1024 * 1024, `the sink held ${(held / 1024 / 1024).toFixed(1)} MB for 100 KB of files`);
  });

  it('keeps the bytes in flight bounded: written batches do not pile up in the writer threads', async function () {
    const written: WriteJob[] = [];
    const sink = openSink(written);
    // 256 MB in files of 256 KB: a hundred batches or more, each in a buffer sent to a thread.
    const files = 1024;
    const content = Buffer.alloc(256 * 1024, 7);
    // Measured from live memory: the suite's earlier tests leave garbage that would otherwise count here.
    collectGarbage();
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    for (let index = 0; index < files; index++) {
      await sink.write({ target: path.join(sandbox.dest, `f${index}`), content, entryName: `f${index}` });
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    await sink.close();
    const peakMb = Math.round((peak - base) / 1024 / 1024);
    console.log(`      array buffers at their peak while writing 256 MB: ${peakMb} MB above the start`);
    assert.equal(written.length, files);
    // Batches of 1 MB, two queued per thread, plus what waits in the sink: about 10 MB. Before, every batch
    // stayed with its thread until that thread's collector ran.
    assert.ok(peakMb <= 40, `${peakMb} MB of array buffers`);
  });
});
