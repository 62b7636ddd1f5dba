// Walking, counting and comparing folder trees: how the bench checks that every run produced the right output.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface TreeFile {
  /** Posix path relative to the walked folder. */
  relativePath: string;
  absolutePath: string;
}

export async function* walkFiles(root: string, prefix = ''): AsyncGenerator<TreeFile> {
  const entries = await fs.readdir(path.join(root, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relativePath = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walkFiles(root, relativePath);
    else yield { relativePath, absolutePath: path.join(root, relativePath) };
  }
}

export async function countFiles(root: string, ignore: ReadonlySet<string> = new Set()): Promise<number> {
  let count = 0;
  for await (const file of walkFiles(root)) if (!ignore.has(file.relativePath)) count++;
  return count;
}

/** Throws unless `actual` holds exactly the files of `expected` (besides `ignore`, root-relative), with the same bytes. */
export async function compareTrees(
  expected: string,
  actual: string,
  ignore: ReadonlySet<string> = new Set(),
): Promise<void> {
  const expectedFiles: string[] = [];
  for await (const file of walkFiles(expected)) expectedFiles.push(file.relativePath);
  const actualFiles: string[] = [];
  for await (const file of walkFiles(actual))
    if (!ignore.has(file.relativePath)) actualFiles.push(file.relativePath);
  const present = new Set(actualFiles);
  const missing = expectedFiles.filter((name) => !present.has(name));
  if (expectedFiles.length !== actualFiles.length || missing.length > 0) {
    throw new Error(
      `${actual}: ${actualFiles.length} files, expected ${expectedFiles.length}` +
        (missing.length ? `; missing e.g. ${missing.slice(0, 3).join(', ')}` : ''),
    );
  }
  for (const name of expectedFiles) {
    if (!(await sameBytes(path.join(expected, name), path.join(actual, name)))) {
      throw new Error(`${actual}: ${name} differs from the corpus`);
    }
  }
}

const CHUNK = 4 * 1024 * 1024;

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fileA, fileB] = await Promise.all([fs.open(a, 'r'), fs.open(b, 'r')]);
  try {
    const [statA, statB] = await Promise.all([fileA.stat(), fileB.stat()]);
    if (statA.size !== statB.size) return false;
    const bufferA = Buffer.allocUnsafe(Math.min(CHUNK, statA.size));
    const bufferB = Buffer.allocUnsafe(bufferA.length);
    for (let offset = 0; offset < statA.size; offset += bufferA.length) {
      const length = Math.min(bufferA.length, statA.size - offset);
      await Promise.all([fileA.read(bufferA, 0, length, offset), fileB.read(bufferB, 0, length, offset)]);
      if (!bufferA.subarray(0, length).equals(bufferB.subarray(0, length))) return false;
    }
    return true;
  } finally {
    await Promise.all([fileA.close(), fileB.close()]);
  }
}
