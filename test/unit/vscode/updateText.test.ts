// The update's completion words (src/vscode/download/updateText.ts) for every combination of counts: each count
// appears exactly when it is not zero, once, in a fixed order; "Up to date — nothing changed on Box" exactly when
// Box changed nothing; and the counts of a finished update leave out files placing did not write.
import assert from 'node:assert/strict';
import type { UpdateSummary } from '../../../src/core/update/updatePull';
import type { MoveKept } from '../../../src/core/update/movesKept';
import type { ProgressWords } from '../../../src/vscode/progress/describe';
import {
  describeUpdate,
  nothingChangedOnBox,
  updateCounts,
  type UpdateCounts,
} from '../../../src/vscode/download/updateText';

const words: ProgressWords = {
  l10n: { t: (message, ...args) => message.replace(/\{(\d+)\}/g, (_, index) => String(args[Number(index)])) },
  language: 'en-US',
};

/** Each kind, its distinct count and the words it must produce; `box` says whether it is a change on Box. */
type NumberKey = Exclude<keyof UpdateCounts, 'folderMoved' | 'moveKept' | 'removalKept'>;
const KINDS: { key: NumberKey; count: number; text: string; box: boolean; also?: Partial<UpdateCounts> }[] = [
  { key: 'updated', count: 1200, text: '1,200 updated', box: true },
  { key: 'new', count: 3, text: '3 new', box: true },
  { key: 'restored', count: 4, text: '4 restored', box: false },
  { key: 'moved', count: 5, text: '5 moved', box: true },
  { key: 'adopted', count: 6, text: '6 already matched Box', box: true },
  { key: 'trashed', count: 7, text: '7 deleted on Box (moved to the trash)', box: true },
  { key: 'removed', count: 8, text: '8 deleted on Box (removed)', box: true },
  { key: 'deletedKept', count: 9, text: '9 deleted on Box (kept)', box: true },
  { key: 'editedHere', count: 10, text: '10 edited here (kept)', box: false },
  { key: 'conflictsKept', count: 11, text: '11 changed on both sides (yours kept)', box: true },
  { key: 'conflictsTaken', count: 12, text: "12 changed on both sides (Box's taken)", box: true },
  { key: 'foldersCreated', count: 13, text: '13 new folders', box: true },
  { key: 'foldersRemoved', count: 1, text: '1 folder deleted on Box (removed)', box: true },
  { key: 'foldersDeletedKept', count: 15, text: '15 folders deleted on Box (kept)', box: true },
];

/** Folder moves: worded right after files moved (checked beside each kind, not in every combination). */
const FOLDER_MOVES: (typeof KINDS)[number] = {
  key: 'folderMoves',
  count: 2,
  text: '2 folders moved (7 files)',
  box: true,
  also: { folderMoveFiles: 7 },
};
/** Moved on Box and still at the old path, several: worded after files moved and updated (checked like them). */
const MOVES_KEPT: (typeof KINDS)[number] = {
  key: 'movesKept',
  count: 17,
  text: '17 moved on Box (old copies kept)',
  box: true,
};
/** Deleted on Box, to be removed, changed during the update, several: worded after those kept (checked like them). */
const REMOVALS_KEPT: (typeof KINDS)[number] = {
  key: 'removalsKept',
  count: 18,
  text: '18 deleted on Box (kept: changed during the update)',
  box: true,
};
/** Moved and changed on Box: worded right after files moved, before folder moves (checked like them). */
const MOVED_AND_UPDATED: (typeof KINDS)[number] = {
  key: 'movedAndUpdated',
  count: 16,
  text: '16 moved and updated',
  box: true,
};

function zero(): UpdateCounts {
  return {
    ...(Object.fromEntries(KINDS.map((kind) => [kind.key, 0])) as unknown as UpdateCounts),
    movedAndUpdated: 0,
    movesKept: 0,
    removalsKept: 0,
    folderMoves: 0,
    folderMoveFiles: 0,
    // Never without a folder move: worded in its own test below.
    folderMovesKept: 0,
  };
}

describe('update completion words', () => {
  it('words every combination of counts, each once and in order', function () {
    // 2^14 combinations: ~33 s alone on a loaded 2-core machine, past the suite's 30 s default.
    this.timeout(180_000);
    for (let mask = 0; mask < 1 << KINDS.length; mask++) {
      const counts = zero();
      const present = KINDS.filter((_, bit) => mask & (1 << bit));
      for (const kind of present) Object.assign(counts, { [kind.key]: kind.count }, kind.also);
      const text = describeUpdate(counts, 'Engineering', words);
      const list = present.map((kind) => kind.text).join(', ');
      const boxChanged = present.some((kind) => kind.box);
      assert.equal(nothingChangedOnBox(counts), !boxChanged, text);
      if (boxChanged) assert.equal(text, `Pulled updates of Engineering: ${list}.`);
      else if (present.length === 0)
        assert.equal(text, 'Up to date — nothing changed on Box since the last pull of Engineering.');
      else
        assert.equal(
          text,
          `Up to date — nothing changed on Box since the last pull of Engineering. Here: ${list}.`,
        );
    }
  });

  it('reads like the issue says', () => {
    const counts = { ...zero(), updated: 12, new: 3, moved: 1, deletedKept: 2, editedHere: 2 };
    assert.equal(
      describeUpdate(counts, 'X', words),
      'Pulled updates of X: 12 updated, 3 new, 1 moved, 2 deleted on Box (kept), 2 edited here (kept).',
    );
  });

  it('words folder moves, files moved and updated, moves and removals kept, in their place beside each other kind (pairs: every combination would take minutes)', () => {
    const at = KINDS.findIndex((kind) => kind.key === 'moved') + 1;
    const atKept = KINDS.findIndex((kind) => kind.key === 'deletedKept') + 1;
    const moves = [MOVED_AND_UPDATED, MOVES_KEPT, FOLDER_MOVES];
    const added = [...moves, REMOVALS_KEPT];
    const ordered = [
      ...KINDS.slice(0, at),
      ...moves,
      ...KINDS.slice(at, atKept),
      REMOVALS_KEPT,
      ...KINDS.slice(atKept),
    ];
    const pairs = added.flatMap((one) => [...KINDS, ...added].map((other) => [one, other]));
    for (const pair of pairs) {
      const present = ordered.filter((kind) => pair.includes(kind));
      const counts = zero();
      for (const kind of present) Object.assign(counts, { [kind.key]: kind.count }, kind.also);
      const list = present.map((kind) => kind.text).join(', ');
      assert.equal(nothingChangedOnBox(counts), false);
      assert.equal(describeUpdate(counts, 'X', words), `Pulled updates of X: ${list}.`);
    }
  });

  it('a file moved on Box kept at its old path is named, with why; several are counted', () => {
    const kept = (why: MoveKept['why']) => ({
      ...zero(),
      updated: 1,
      movesKept: 1,
      moveKept: { from: 'a/doc.txt', to: 'b/report.txt', why },
    });
    assert.equal(
      describeUpdate(kept('unsaved'), 'X', words),
      'Pulled updates of X: 1 updated, a/doc.txt kept (moved on Box to b/report.txt: it is open there with unsaved changes).',
    );
    assert.equal(
      describeUpdate(kept('yours'), 'X', words),
      'Pulled updates of X: 1 updated, a/doc.txt kept (moved on Box to b/report.txt: a file of yours there was kept).',
    );
    assert.equal(nothingChangedOnBox({ ...kept('blocked'), updated: 0 }), false);
    const summary = { ...emptySummary(), movesKept: [kept('yours').moveKept] };
    assert.deepEqual(updateCounts(summary, new Set(), []), {
      ...zero(),
      movesKept: 1,
      moveKept: summary.movesKept[0],
    });
  });

  it('a file deleted on Box that changed during the update, kept, is named with why; several are counted', () => {
    const one = { ...zero(), removalsKept: 1, removalKept: 'gone.txt' };
    assert.equal(
      describeUpdate(one, 'X', words),
      'Pulled updates of X: gone.txt kept (deleted on Box; it changed during the update).',
    );
    const summary = { ...emptySummary(), removalsKept: ['gone.txt'] };
    assert.deepEqual(updateCounts(summary, new Set(), []), one);
  });

  it('a folder moved on Box is one phrase, named when it is the only one, and an old folder kept is said', () => {
    const one = {
      ...zero(),
      folderMoves: 1,
      folderMoveFiles: 3,
      folderMoved: { from: 'docs', to: 'manuals' },
    };
    assert.equal(
      describeUpdate(one, 'X', words),
      'Pulled updates of X: folder docs moved to manuals (3 files).',
    );
    assert.equal(
      describeUpdate({ ...one, folderMoveFiles: 1, folderMovesKept: 1, editedHere: 1 }, 'X', words),
      'Pulled updates of X: folder docs moved to manuals (1 file), old folder docs kept (it still holds files), ' +
        '1 edited here (kept).',
    );
    const two = { ...zero(), moved: 1, folderMoves: 2, folderMoveFiles: 1200, folderMovesKept: 2 };
    assert.equal(
      describeUpdate(two, 'X', words),
      'Pulled updates of X: 1 moved, 2 folders moved (1,200 files), 2 old folders kept (they still hold files).',
    );
    assert.equal(nothingChangedOnBox(two), false);
  });

  it('a folder move counts its files and folders once: not as moved, new, made or removed', () => {
    const summary: UpdateSummary = {
      ...emptySummary(),
      moved: [
        { from: 'docs/a', to: 'manuals/a' },
        { from: 'docs/sub/b', to: 'manuals/sub/b' },
        { from: 'x', to: 'y' },
      ],
      new: ['manuals/c', 'n'],
      movedAndUpdated: [
        { from: 'docs/d', to: 'manuals/d' },
        { from: 'p', to: 'q' },
      ],
      foldersCreated: ['manuals', 'manuals/sub', 'empty'],
      foldersDeletedOnBoxKept: ['docs', 'gone'],
      folderMoves: [
        { from: 'docs', to: 'manuals', files: 4, moved: 2, downloaded: 2, kept: true, left: ['docs/c'] },
      ],
      editedHere: ['docs/c'],
    };
    assert.deepEqual(updateCounts(summary, new Set(), []), {
      ...zero(),
      moved: 1,
      movedAndUpdated: 1,
      new: 1,
      folderMoves: 1,
      folderMoveFiles: 4,
      folderMoved: { from: 'docs', to: 'manuals' },
      folderMovesKept: 1,
      editedHere: 1,
      foldersCreated: 1,
      foldersDeletedKept: 1,
    });
  });

  it('counts each file once: not written files and trashed deletions are not counted twice', () => {
    const summary: UpdateSummary = {
      dryRun: false,
      withoutState: false,
      updated: ['a', 'b', 'open.txt'],
      new: ['n', 'bad.bin'],
      restored: ['r'],
      adopted: [],
      moved: [{ from: 'old', to: 'new' }],
      movedAndUpdated: [
        { from: 'was', to: 'now' },
        { from: 'was2', to: 'locked.txt' },
      ],
      movesKept: [],
      removalsKept: [],
      folderMoves: [],
      unchanged: 40,
      editedHere: ['e'],
      deletedOnBoxKept: ['d1', 'd2', 'd3'],
      removed: [],
      conflicts: ['c1', 'c2'],
      conflictsKept: ['c1'],
      contentDownloads: 0,
      zipRequests: 0,
      filesDownloaded: 0,
      foldersCreated: ['empty'],
      foldersRemoved: [],
      foldersDeletedOnBoxKept: ['gone', 'gone/too'],
    };
    assert.deepEqual(updateCounts(summary, new Set(['open.txt', 'bad.bin', 'locked.txt']), ['d2']), {
      updated: 2,
      new: 1,
      restored: 1,
      moved: 1,
      movedAndUpdated: 1,
      movesKept: 0,
      removalsKept: 0,
      adopted: 0,
      trashed: 1,
      removed: 0,
      deletedKept: 2,
      editedHere: 1,
      conflictsKept: 1,
      conflictsTaken: 1,
      foldersCreated: 1,
      foldersRemoved: 0,
      foldersDeletedKept: 2,
      folderMoves: 0,
      folderMoveFiles: 0,
      folderMovesKept: 0,
    });
  });
});

function emptySummary(): UpdateSummary {
  return {
    dryRun: false,
    withoutState: false,
    updated: [],
    new: [],
    restored: [],
    adopted: [],
    moved: [],
    movedAndUpdated: [],
    movesKept: [],
    folderMoves: [],
    unchanged: 0,
    editedHere: [],
    deletedOnBoxKept: [],
    removed: [],
    removalsKept: [],
    conflicts: [],
    conflictsKept: [],
    contentDownloads: 0,
    zipRequests: 0,
    filesDownloaded: 0,
    foldersCreated: [],
    foldersRemoved: [],
    foldersDeletedOnBoxKept: [],
  };
}
