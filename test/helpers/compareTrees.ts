/** Byte-for-byte comparison of two directory trees, for end-to-end assertions. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface TreeListing {
  files: Map<string, Buffer>;
  directories: Set<string>;
}

/** The state file a pull of a folder leaves at the destination's top (core/state/pullState.ts): no Box file. */
const STATE_FILE = '.box-pull.json';

/** Every file and folder below `root`, except the state file at its top unless `withState`. */
export async function readTree(root: string, options: { withState?: boolean } = {}): Promise<TreeListing> {
  const listing: TreeListing = { files: new Map(), directories: new Set() };
  async function walk(relative: string): Promise<void> {
    for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (child === STATE_FILE && !options.withState) continue;
      if (entry.isDirectory()) {
        listing.directories.add(child);
        await walk(child);
      } else if (entry.isFile()) {
        listing.files.set(child, await fs.readFile(path.join(root, child)));
      } else {
        throw new Error(`Unexpected non-regular entry ${child}`);
      }
    }
  }
  await walk('');
  return listing;
}

/** Returns a list of human-readable differences; empty means identical. */
export async function diffTrees(expectedRoot: string, actualRoot: string): Promise<string[]> {
  const [expected, actual] = await Promise.all([readTree(expectedRoot), readTree(actualRoot)]);
  const differences: string[] = [];
  for (const [name, bytes] of expected.files) {
    const other = actual.files.get(name);
    if (!other) differences.push(`missing file ${name}`);
    else if (!other.equals(bytes)) differences.push(`content differs: ${name}`);
  }
  for (const name of actual.files.keys())
    if (!expected.files.has(name)) differences.push(`extra file ${name}`);
  for (const dir of expected.directories)
    if (!actual.directories.has(dir)) differences.push(`missing dir ${dir}`);
  for (const dir of actual.directories)
    if (!expected.directories.has(dir)) differences.push(`extra dir ${dir}`);
  return differences;
}
