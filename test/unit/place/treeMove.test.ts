// A staged folder the destination does not have is moved in whole, one rename instead of a link, an unlink and a
// stat per file (issue #15): the same files, the same report, nothing left in staging; and placing stays
// reversible: a failure after the move takes back exactly the files moved in, never a file someone put beside them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { placeFiles } from '../../../src/core/place/placement';
import { buildZip } from '../../helpers/zipBuilder';
import { makeSandbox, snapshot, stagedArchive, type Sandbox } from '../extract/sandbox';

const INCOMING = {
  'top.txt': 'top',
  'fresh/a.txt': 'a',
  'fresh/deep/b.txt': 'b',
  'fresh/deep/deeper/c.txt': 'c',
  'old/new/d.txt': 'd',
};

describe('placing a folder the destination does not have', function () {
  let sandbox: Sandbox;

  beforeEach(async function () {
    sandbox = await makeSandbox();
    // `old` exists, `old/new` does not: that one moves in whole below it.
    fs.mkdirSync(path.join(sandbox.dest, 'old'));
    fs.writeFileSync(path.join(sandbox.dest, 'old', 'mine.txt'), 'mine');
    const entries = Object.entries(INCOMING).map(([name, data]) => ({ name: `Top/${name}`, data }));
    fs.writeFileSync(sandbox.zipPath, buildZip([...entries, { name: 'Top/fresh/empty/' }]));
  });

  afterEach(async function () {
    await sandbox.cleanup();
  });

  const staged = () => stagedArchive(sandbox, 'Top');

  const inode = (file: string) => fs.statSync(file).ino;
  const stagingFolders = () => fs.readdirSync(sandbox.dest).filter((name) => name.startsWith('.box-pull-'));

  it('moves the staged folder itself: every file placed and reported, nothing left in staging', async function () {
    const { files, extracted } = await staged();
    const stagedInodes = [inode(path.join(files, 'fresh')), inode(path.join(files, 'old', 'new'))];
    const result = await placeFiles(files, extracted, sandbox.dest, { policy: 'skip' });
    assert.deepEqual(result.written, Object.keys(INCOMING).sort());
    assert.deepEqual([result.overwritten, result.blocked, result.protected], [[], [], []]);
    // The very folders staged are the destination's now: one rename each, no folder made and filled.
    assert.deepEqual(
      [inode(path.join(sandbox.dest, 'fresh')), inode(path.join(sandbox.dest, 'old', 'new'))],
      stagedInodes,
    );
    for (const [name, content] of Object.entries(INCOMING))
      assert.equal(fs.readFileSync(path.join(sandbox.dest, name), 'utf8'), content);
    assert.ok(fs.statSync(path.join(sandbox.dest, 'fresh', 'empty')).isDirectory());
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'old', 'mine.txt'), 'utf8'), 'mine');
    assert.deepEqual(stagingFolders(), []);
  });

  it('a folder holding a protected file is placed file by file, and the protected file stays out', async function () {
    const { files, extracted } = await staged();
    const result = await placeFiles(files, extracted, sandbox.dest, {
      policy: 'skip',
      isProtected: (target) => target === path.join(sandbox.dest, 'fresh', 'deep', 'b.txt'),
    });
    assert.deepEqual(result.protected, ['fresh/deep/b.txt']);
    assert.equal(fs.existsSync(path.join(sandbox.dest, 'fresh', 'deep', 'b.txt')), false);
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'fresh', 'deep', 'deeper', 'c.txt'), 'utf8'), 'c');
    assert.deepEqual(stagingFolders(), []);
  });

  it('a failure after the moves takes back every file moved in: the destination is as it was', async function () {
    const before = await snapshot(sandbox.dest);
    const { files, extracted } = await staged();
    const error = await placeFiles(files, extracted, sandbox.dest, {
      policy: 'skip',
      finalFile: async () => {
        assert.ok(fs.existsSync(path.join(sandbox.dest, 'fresh', 'deep', 'deeper', 'c.txt')));
        throw new Error('the disk went away');
      },
    }).then(
      () => assert.fail('placing finished'),
      (caught: unknown) => caught as Error & { filesUndone?: number; destinationRestored?: boolean },
    );
    assert.match(error.message, /the disk went away/);
    assert.equal(error.destinationRestored, true);
    assert.equal(error.filesUndone, Object.keys(INCOMING).length);
    assert.deepEqual(await snapshot(sandbox.dest), before);
  });

  it('a file put into a moved folder meanwhile is never taken back with it', async function () {
    const { files, extracted } = await staged();
    const error = await placeFiles(files, extracted, sandbox.dest, {
      policy: 'skip',
      finalFile: async () => {
        fs.writeFileSync(path.join(sandbox.dest, 'fresh', 'deep', 'notes.txt'), 'written meanwhile');
        // An edit in place keeps the inode but not the size and time: no longer the file moved in.
        fs.writeFileSync(path.join(sandbox.dest, 'fresh', 'a.txt'), 'edited meanwhile');
        throw new Error('the disk went away');
      },
    }).then(
      () => assert.fail('placing finished'),
      (caught: unknown) => caught as Error & { destinationRestored?: boolean },
    );
    assert.equal(error.destinationRestored, false);
    assert.equal(
      fs.readFileSync(path.join(sandbox.dest, 'fresh', 'deep', 'notes.txt'), 'utf8'),
      'written meanwhile',
    );
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'fresh', 'a.txt'), 'utf8'), 'edited meanwhile');
    assert.equal(fs.existsSync(path.join(sandbox.dest, 'fresh', 'deep', 'deeper')), false);
    assert.equal(fs.existsSync(path.join(sandbox.dest, 'old', 'new')), false);
    assert.equal(fs.existsSync(path.join(sandbox.dest, 'top.txt')), false);
  });

  it('tells finalFile each moved file as staged: what lstat gives after the move, and not an edit made since', async function () {
    const { files, extracted } = await staged();
    let heard: ReadonlyMap<string, { size: number; mtimeMs: number }> | undefined;
    let afterMove = new Map<string, { size: number; mtimeMs: number }>();
    await placeFiles(files, extracted, sandbox.dest, {
      policy: 'skip',
      finalFile: async (_placed, _removed, movedIn) => {
        heard = movedIn;
        afterMove = new Map(
          Object.keys(INCOMING).map((name) => {
            const { size, mtimeMs } = fs.lstatSync(path.join(sandbox.dest, name));
            return [name, { size, mtimeMs }];
          }),
        );
        fs.writeFileSync(path.join(sandbox.dest, 'fresh', 'a.txt'), 'edited after the move');
        return undefined;
      },
    });
    // Folders moved whole (fresh, old/new) and a file moved alone (top.txt) alike, to the bit.
    assert.deepEqual(new Map([...(heard ?? [])].sort()), new Map([...afterMove].sort()));
    const edited = fs.lstatSync(path.join(sandbox.dest, 'fresh', 'a.txt'));
    assert.notEqual(heard?.get('fresh/a.txt')?.size, edited.size);
  });
});
