// Stats of many files in a destination, taken synchronously: on a local disk an lstat takes microseconds, and a trip
// through libuv's thread pool for each cost three to four times the CPU (an update of nothing stats every file it
// knows; a pull's state file stats every file it placed: 5,000 and 20,000 of them in the benchmarks).
import { lstatSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted } from './abort';

/** How long a run of synchronous stats may hold the event loop before it lets other work in. */
const STAT_SLICE_MS = 8;

/** A slash-separated path relative to `destination`, as a path of this platform. */
export function localPath(destination: string, relativePath: string): string {
  return path.join(destination, ...relativePath.split('/'));
}

/**
 * `lstat` of every path (relative to `destination`), `undefined` where nothing is, in slices of a few milliseconds
 * with a pause between them. Errors other than "not there" are thrown.
 */
export async function lstatEach(
  destination: string,
  paths: readonly string[],
  signal: AbortSignal | undefined,
  each: (relativePath: string, stat: Stats | undefined) => void,
): Promise<void> {
  let sliceStart = performance.now();
  for (const relativePath of paths) {
    if (performance.now() - sliceStart > STAT_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      sliceStart = performance.now();
    }
    each(relativePath, lstatOrNothing(localPath(destination, relativePath)));
  }
  throwIfAborted(signal);
}

function lstatOrNothing(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
