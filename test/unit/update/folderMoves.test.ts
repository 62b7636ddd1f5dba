// Folder moves recognised whole (src/core/update/folderMoves.ts): every file of a folder gone from Box lives on at
// the same place below one folder new on Box that holds nothing else; partial cases stay file by file.
import assert from 'node:assert/strict';
import type { StateEntry } from '../../../src/core/state/pullState';
import { findFolderMoves, foldersOf, type FolderMovesInput } from '../../../src/core/update/folderMoves';

const record = (path: string): StateEntry => ({
  id: `id-${path}`,
  path,
  sha1: 'a'.repeat(40),
  size: 1,
  localSize: 1,
  localMtimeMs: 1,
});

/** The last pull held `before`; Box now holds `moves` (old → new) and `added`. */
function input(before: string[], moves: Record<string, string>, added: string[] = []): FolderMovesInput {
  const boxFiles = [...before.filter((p) => !(p in moves)), ...Object.values(moves), ...added];
  const boxFolders = foldersOf(boxFiles);
  const recorded = foldersOf(before);
  return {
    state: before.map(record),
    goneFromBox: [...recorded].filter((f) => !boxFolders.has(f)),
    recorded,
    boxFolders,
    boxFiles,
    movedOnBox: Object.entries(moves).map(([from, to]) => ({ from, to })),
  };
}

describe('findFolderMoves', function () {
  it('a renamed folder, its folders below included, is one move', function () {
    const moves = { 'a/x': 'b/x', 'a/sub/y': 'b/sub/y', 'a/sub/deeper/z': 'b/sub/deeper/z' };
    assert.deepEqual(findFolderMoves(input(['a/x', 'a/sub/y', 'a/sub/deeper/z', 'top'], moves)), [
      { from: 'a', to: 'b' },
    ]);
  });

  it('a folder moved into a folder new on Box, or out of its parent', function () {
    assert.deepEqual(findFolderMoves(input(['a/x', 'a/y'], { 'a/x': 'p/q/a/x', 'a/y': 'p/q/a/y' })), [
      { from: 'a', to: 'p/q/a' },
    ]);
    assert.deepEqual(findFolderMoves(input(['p/a/x', 'p/k'], { 'p/a/x': 'a/x' })), [
      { from: 'p/a', to: 'a' },
    ]);
  });

  it('partial cases are no folder move: a file moved elsewhere, renamed inside, deleted or added on Box', function () {
    const files = ['a/x', 'a/y'];
    assert.deepEqual(findFolderMoves(input(files, { 'a/x': 'b/x', 'a/y': 'c/y' })), [], 'two places');
    assert.deepEqual(findFolderMoves(input(files, { 'a/x': 'b/x', 'a/y': 'b/y2' })), [], 'renamed inside');
    assert.deepEqual(findFolderMoves(input(files, { 'a/x': 'b/x', 'a/y': 'y' })), [], 'one moved out');
    const deleted = input(files, { 'a/x': 'b/x' });
    deleted.boxFiles = deleted.boxFiles.filter((p) => p !== 'a/y');
    assert.deepEqual(findFolderMoves(deleted), [], 'one deleted on Box');
    assert.deepEqual(
      findFolderMoves(input(files, { 'a/x': 'b/x', 'a/y': 'b/y' }, ['b/new'])),
      [],
      'one added',
    );
  });

  it('files moved into a folder the last pull knew are no folder move (a merge, not a rename)', function () {
    assert.deepEqual(findFolderMoves(input(['a/x', 'b/keep'], { 'a/x': 'b/x' })), []);
    const emptyBefore = input(['a/x'], { 'a/x': 'b/x' });
    emptyBefore.recorded = new Set([...emptyBefore.recorded, 'b']);
    assert.deepEqual(findFolderMoves(emptyBefore), [], 'b was an empty folder of the last pull');
  });
});
