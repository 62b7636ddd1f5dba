// The file operations placing uses (anchoredTree.ts), with a folder swapped for a link to an outside folder at the
// worst moment: after its check, right before the operation (inside the operation's callback).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnchoredTree, NotAFolderError } from '../../../src/core/place/anchoredTree';

describe('AnchoredTree', function () {
  let root: string;
  let destination: string;
  let outside: string;

  beforeEach(async function () {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-anchored-'));
    destination = path.join(root, 'dest');
    outside = path.join(root, 'outside');
    await fs.mkdir(path.join(destination, 'sub'), { recursive: true });
    await fs.mkdir(outside);
  });

  afterEach(async function () {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Swaps `dest/sub` for a link to the outside folder; the real folder is kept as `dest/sub-away`. */
  async function swap(): Promise<void> {
    await fs.rename(path.join(destination, 'sub'), path.join(destination, 'sub-away'));
    await fs.symlink(outside, path.join(destination, 'sub'));
  }

  for (const pathMode of [false, true]) {
    const mode = pathMode ? 'path mode' : 'the platform default';
    it(`refuses a link where a folder must be (${mode})`, async function () {
      await swap();
      const tree = await AnchoredTree.open(destination, { pathMode });
      try {
        await assert.rejects(
          tree.with('sub/x.txt', (target) => fs.writeFile(target, 'x')),
          NotAFolderError,
        );
      } finally {
        await tree.close();
      }
      assert.deepEqual(await fs.readdir(outside), []);
    });
  }

  it('Linux: a folder swapped after its check is still the one written to, never the link', async function () {
    const tree = await AnchoredTree.open(destination);
    if (!tree.anchored) {
      await tree.close();
      this.skip(); // no /proc here: the path mode's own test below covers what it can
    }
    try {
      await tree.with('sub/x.txt', async (target) => {
        await swap();
        await fs.writeFile(target, 'x', { flag: 'wx' });
      });
    } finally {
      await tree.close();
    }
    assert.deepEqual(await fs.readdir(outside), []);
    assert.equal(await fs.readFile(path.join(destination, 'sub-away', 'x.txt'), 'utf8'), 'x');
  });

  it('path mode: a swap during the operation is reported, not passed over', async function () {
    const tree = await AnchoredTree.open(destination, { pathMode: true });
    try {
      await assert.rejects(
        tree.with('sub/x.txt', async (target) => {
          await swap();
          await fs.writeFile(target, 'x');
        }),
        /replaced during the operation/,
      );
    } finally {
      await tree.close();
    }
  });
});
