// What updates add to placing: removals, replacements without a question, and a last file (the state file), all
// in the one reversible session.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { placeFiles } from '../../../src/core/place/placement';
import { makeExtractionDir, makeSandbox, snapshot, type Sandbox } from '../extract/sandbox';

describe('placeFiles for updates: remove, replace, finalFile', function () {
  let sandbox: Sandbox;
  let files: string;
  beforeEach(async function () {
    sandbox = await makeSandbox();
    files = path.join(await makeExtractionDir(sandbox.dest), 'files');
    await fs.promises.mkdir(files);
  });
  afterEach(async function () {
    await sandbox.cleanup();
  });

  const put = (dir: string, name: string, text: string) => fs.promises.writeFile(path.join(dir, name), text);
  /** The destination without the staging folder (placing removes it at the end). */
  const userFiles = async () =>
    [...(await snapshot(sandbox.dest))].filter(([name]) => !name.startsWith('.box-pull-staging-'));
  const statOf = async (name: string) => {
    const { size, mtimeMs } = await fs.promises.stat(path.join(sandbox.dest, name));
    return { relativePath: name, size, mtimeMs };
  };

  it('replaces listed paths without asking, removes unchanged files, and places the last file', async function () {
    await put(sandbox.dest, 'update.txt', 'old');
    await put(sandbox.dest, 'conflict.txt', 'mine');
    await put(sandbox.dest, 'gone.txt', 'gone');
    await put(sandbox.dest, 'changed.txt', 'x');
    const changedStat = { ...(await statOf('changed.txt')), size: 99 };
    await put(files, 'update.txt', 'new');
    await put(files, 'conflict.txt', 'box');
    const result = await placeFiles(
      files,
      {
        files: ['update.txt', 'conflict.txt'].map((n) => ({ relativePath: n, size: 3, archiveName: n })),
        directories: [],
      },
      sandbox.dest,
      {
        policy: 'skip',
        replace: new Set(['update.txt']),
        remove: [await statOf('gone.txt'), changedStat],
        finalFile: async (placed) => {
          await put(files, 'last.json', JSON.stringify(placed));
          return 'last.json';
        },
      },
    );
    assert.deepEqual(result.overwritten, ['update.txt']);
    assert.deepEqual(result.skippedByPolicy, ['conflict.txt']);
    assert.deepEqual(result.removed, ['gone.txt']);
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'update.txt'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'conflict.txt'), 'utf8'), 'mine');
    assert.ok(!fs.existsSync(path.join(sandbox.dest, 'gone.txt')));
    assert.ok(fs.existsSync(path.join(sandbox.dest, 'changed.txt')), 'changed since it was judged: kept');
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'last.json'), 'utf8'), '["update.txt"]');
  });

  it('an old copy goes only with the placing of the file it makes way for: kept when that file is kept', async function () {
    // Three moves: one whose new path holds a file kept by the policy, one whose new path is protected (an editor's
    // unsaved changes), one that is placed.
    for (const name of ['old-kept.txt', 'old-protected.txt', 'old-moved.txt'])
      await put(sandbox.dest, name, 'v1');
    await put(sandbox.dest, 'new-kept.txt', 'mine');
    for (const name of ['new-kept.txt', 'new-protected.txt', 'new-moved.txt']) await put(files, name, 'v2');
    const removals = [
      { ...(await statOf('old-kept.txt')), makesWayFor: 'new-kept.txt' },
      { ...(await statOf('old-protected.txt')), makesWayFor: 'new-protected.txt' },
      { ...(await statOf('old-moved.txt')), makesWayFor: 'new-moved.txt' },
    ];
    let removedSeen: readonly string[] = [];
    const result = await placeFiles(
      files,
      {
        files: ['new-kept.txt', 'new-protected.txt', 'new-moved.txt'].map((n) => ({
          relativePath: n,
          size: 2,
          archiveName: n,
        })),
        directories: [],
      },
      sandbox.dest,
      {
        policy: 'skip',
        isProtected: (absolutePath) => path.basename(absolutePath) === 'new-protected.txt',
        remove: removals,
        finalFile: async (_placed, removed) => {
          removedSeen = removed;
          return undefined;
        },
      },
    );
    assert.deepEqual(result.skippedByPolicy, ['new-kept.txt']);
    assert.deepEqual(result.protected, ['new-protected.txt']);
    assert.deepEqual(result.removed, ['old-moved.txt']);
    assert.deepEqual(removedSeen, ['old-moved.txt']);
    const text = (name: string) => fs.readFileSync(path.join(sandbox.dest, name), 'utf8');
    assert.deepEqual((await userFiles()).map(([name]) => name).sort(), [
      'new-kept.txt',
      'new-moved.txt',
      'old-kept.txt',
      'old-protected.txt',
    ]);
    assert.deepEqual(['new-kept.txt', 'new-moved.txt', 'old-kept.txt', 'old-protected.txt'].map(text), [
      'mine',
      'v2',
      'v1',
      'v1',
    ]);
  });

  it('a failure at the last file puts back the removed and replaced files', async function () {
    await put(sandbox.dest, 'update.txt', 'old');
    await put(sandbox.dest, 'gone.txt', 'gone');
    await put(files, 'update.txt', 'new');
    const before = await userFiles();
    await assert.rejects(
      placeFiles(
        files,
        { files: [{ relativePath: 'update.txt', size: 3, archiveName: 'update.txt' }], directories: [] },
        sandbox.dest,
        {
          policy: 'skip',
          replace: new Set(['update.txt']),
          remove: [await statOf('gone.txt')],
          finalFile: () => Promise.reject(new Error('disk gone')),
        },
      ),
      (error: Error & { destinationRestored?: boolean }) => error.destinationRestored === true,
    );
    assert.deepEqual(await userFiles(), before);
  });
});
