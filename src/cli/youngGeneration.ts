/**
 * Keeps the CLI's young generation small. A pull of many small files keeps enough alive across scavenges (per-entry
 * records, batches on their way to the writer threads) that V8 grows its two semi-spaces to their maximum, 16 MB
 * each on 64-bit Node 20: 32 MB of resident memory, most of it garbage, and the dead socket and zlib buffers it
 * holds keep their native memory until a scavenge finds them. Capped at 8 MB each, a pull of 5,000 small files
 * (100 MB) peaked at 146 MB instead of 164 (medians of 3); it makes about 40% more scavenges, each smaller, for no
 * CPU difference that runs on a loaded 2-core machine could show (bench/results.md has the quiet figures).
 *
 * `--max-semi-space-size` only counts on node's command line (the CLI starts as `node cli.js`, and set later, the
 * flag is ignored: V8 sized its heap at start). V8 reads its growth factor each time the young generation grows,
 * though, so once the semi-spaces reach the cap, a factor of 1 keeps them there. It is set after every collection
 * (growth only happens in one; a pull makes a few hundred, and the check costs nothing measurable), and again as
 * each thread comes online (the writer threads, writerPool.ts): V8 puts a factor under 2 back to 2 whenever an
 * isolate starts.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';

/** Both semi-spaces together (V8's `new_space`): 2 × 8 MB. */
export const YOUNG_GENERATION_CAP_BYTES = 16 * 1024 * 1024;

/** Keeps the young generation from growing past `capBytes` for the rest of the process. */
export function capYoungGeneration(capBytes = YOUNG_GENERATION_CAP_BYTES): void {
  const hold = (): void => {
    if (newSpaceBytes() >= capBytes) v8.setFlagsFromString('--semi-space-growth-factor=1');
  };
  new PerformanceObserver(hold).observe({ entryTypes: ['gc'] });
  process.on('worker', (worker: Worker) => worker.once('online', hold));
}

/** V8's young generation as sized now (both semi-spaces). */
export function newSpaceBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}
