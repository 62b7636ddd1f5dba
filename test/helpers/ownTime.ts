// Writes a file with a modification time of its own, so that the emulator's SHA-1 cache (keyed by path, size and
// time) sees every change, even two writes of the same size within one clock tick.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

let tick = 0;

/** `relative` uses `/`; its folders are made. Times are distinct and in the past, one second apart. */
export async function writeWithOwnTime(dir: string, relative: string, text: string): Promise<void> {
  const file = path.join(dir, ...relative.split('/'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  const when = new Date(Date.now() - 1_000_000 + ++tick * 1000);
  await fs.utimes(file, when, when);
}
