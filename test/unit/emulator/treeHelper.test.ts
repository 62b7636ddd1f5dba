import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeTree } from '../../helpers/tree';
import { tempDir } from './support';

async function listFolders(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) =>
      path
        .relative(root, path.join(entry.parentPath ?? entry.path, entry.name))
        .split(path.sep)
        .join('/'),
    );
}

describe('test helper: makeTree', () => {
  const dirs: string[] = [];
  const fresh = async () => {
    const dir = await tempDir('box-tree-');
    dirs.push(dir);
    return dir;
  };
  after(() => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

  const options = { seed: 11, files: 50, maxDepth: 3, minSize: 10, maxSize: 20_000, emptyFolders: 4 };

  it('builds the same paths and bytes from the same seed', async () => {
    const [a, b] = [await fresh(), await fresh()];
    const first = await makeTree(a, options);
    const second = await makeTree(b, options);
    assert.deepEqual(first, second);
    assert.equal(first.files.length, 50);
    for (const file of first.files) {
      assert.ok((await fs.readFile(path.join(a, file))).equals(await fs.readFile(path.join(b, file))), file);
    }
    assert.deepEqual((await listFolders(a)).sort(), (await listFolders(b)).sort());
  });

  it('differs for another seed', async () => {
    const first = await makeTree(await fresh(), options);
    const other = await makeTree(await fresh(), { ...options, seed: 12 });
    assert.notDeepEqual(first.files, other.files);
  });

  it('respects sizes, depth and the number of empty folders, and reports the byte total', async () => {
    const root = await fresh();
    const result = await makeTree(root, options);
    let total = 0;
    for (const file of result.files) {
      const { size } = await fs.stat(path.join(root, file));
      assert.ok(size >= options.minSize && size <= options.maxSize, `${file}: ${size}`);
      assert.ok(file.split('/').length - 1 <= options.maxDepth, file);
      total += size;
    }
    assert.equal(result.bytes, total);
    const empty: string[] = [];
    for (const folder of await listFolders(root)) {
      if ((await fs.readdir(path.join(root, folder))).length === 0) empty.push(folder);
    }
    assert.equal(empty.length, 4);
  });
});
