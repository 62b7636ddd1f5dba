// The Box-side changes of the update bench (#13) and their arithmetic, apart from the timing so a unit test can
// check them: which files change, how a file changes, and how many listing requests a walk should take.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { seededRandom } from './random';

const execFileAsync = promisify(execFile);
/** Box's largest page of folder items (`limit=1000`), which the listing walker asks for. */
export const ITEMS_PER_PAGE = 1000;

/**
 * `count` of `paths`, spread over the whole tree by a seeded shuffle. The same seed gives the same files, and a
 * smaller count picks a prefix of a larger one, so the crossover can change files one step after another.
 */
export function chooseChanged(paths: readonly string[], count: number, seed: string): string[] {
  if (!Number.isInteger(count) || count < 0 || count > paths.length) {
    throw new Error(`Cannot change ${count} of ${paths.length} files`);
  }
  const random = seededRandom(seed);
  const order = [...paths].sort();
  // Fisher–Yates, stopped after `count` draws: only the front is needed.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (order.length - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count);
}

/** `fraction` of `files`, at least one unless the fraction is 0: 1% of 5,000 is 50. */
export function changedCount(files: number, fraction: number): number {
  return fraction === 0 ? 0 : Math.max(1, Math.round(files * fraction));
}

/** One request per page of every folder, an empty folder included: Σ max(1, ⌈items / 1000⌉). */
export function expectedListingRequests(itemsPerFolder: readonly number[], perPage = ITEMS_PER_PAGE): number {
  return itemsPerFolder.reduce((sum, items) => sum + Math.max(1, Math.ceil(items / perPage)), 0);
}

/** Direct children (files and folders) of `dir` and of every folder below it. */
export async function itemsPerFolder(dir: string): Promise<number[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const counts = [entries.length];
  for (const entry of entries) {
    if (entry.isDirectory()) counts.push(...(await itemsPerFolder(path.join(dir, entry.name))));
  }
  return counts;
}

/**
 * Changes a file on "Box" (the emulator's root, hard-linked to the corpus): a new file in its place, so the
 * corpus keeps its bytes, with a line in front, so its size, time and SHA-1 all change.
 */
export async function changeFile(absolutePath: string, mark: string): Promise<void> {
  const bytes = await fs.readFile(absolutePath);
  await fs.rm(absolutePath);
  await fs.writeFile(absolutePath, Buffer.concat([Buffer.from(`changed on Box: ${mark}\n`), bytes]));
}

/** A copy of `from` at `to` whose files are hard links: cheap, and safe as long as files are replaced, never edited. */
export async function linkCopy(from: string, to: string): Promise<void> {
  await fs.rm(to, { recursive: true, force: true });
  await fs.mkdir(path.dirname(to), { recursive: true });
  await execFileAsync('cp', ['-al', from, to]);
}

/** A full copy keeping times (the state file compares local size and modification time). */
export async function copyKeepingTimes(from: string, to: string): Promise<void> {
  await fs.rm(to, { recursive: true, force: true });
  await fs.mkdir(path.dirname(to), { recursive: true });
  await execFileAsync('cp', ['-a', from, to]);
}

/** One k of the crossover: the median times of an update by content downloads and by a ZIP of file ids. */
export interface CrossoverMedians {
  k: number;
  contentMs: number;
  zipMs: number;
}

/**
 * The largest k up to which content downloads were never slower than the ZIP (0 if the ZIP won at the smallest
 * k): past the first k where the ZIP wins, later content wins are noise, not a second crossover.
 */
export function contentWinsUpTo(points: readonly CrossoverMedians[]): number {
  let upTo = 0;
  for (const point of [...points].sort((a, b) => a.k - b.k)) {
    if (!(point.contentMs <= point.zipMs)) break;
    upTo = point.k;
  }
  return upTo;
}
