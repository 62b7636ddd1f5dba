// Stats of many files in a destination, taken synchronously: on a local disk an lstat takes microseconds, and a trip
// through libuv's thread pool for each cost three to four times the CPU (an update of nothing stats every file it
// knows; a pull's state file stats every file it placed: 5,000 and 20,000 of them in the benchmarks).
import { lstatSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted } from './abort';

/** How long a run of synchronous stats may hold the event loop before it lets other work in. */
const STAT_SLICE_MS = 8;

/** An empty, `.` or `..` segment of a slash-separated path (a leading, trailing or doubled `/` makes an empty one). */
const DOT_OR_EMPTY_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** True when every segment of the slash-separated `relativePath` is a name: none empty, `.` or `..`. */
export function allNamedSegments(relativePath: string): boolean {
  return !DOT_OR_EMPTY_SEGMENT.test(relativePath);
}

/** The last destination found to need no normalising (one folder is joined with thousands of paths). */
let plainDestination: string | undefined;

/** A slash-separated path relative to `destination`, as a path of this platform. */
export function localPath(destination: string, relativePath: string): string {
  // What path.join would return, without its character-by-character normalising (an update stats every file it
  // knows through here): an absolute, normalised folder and segments that are all names join as they are.
  if (path.sep === '/' && allNamedSegments(relativePath) && isPlainDestination(destination)) {
    return `${destination}/${relativePath}`;
  }
  return path.join(destination, ...relativePath.split('/'));
}

function isPlainDestination(destination: string): boolean {
  if (destination === plainDestination) return true;
  const plain =
    path.isAbsolute(destination) && !destination.endsWith('/') && path.normalize(destination) === destination;
  if (plain) plainDestination = destination;
  return plain;
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
