// The three-way plan of an update, row by row of issue #13's table, plus properties over random histories.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StateEntry } from '../../../src/core/state/pullState';
import {
  hashesNeeded,
  planUpdate,
  tryPlan,
  type BoxFile,
  type LocalFile,
  type UpdateInput,
} from '../../../src/core/update/updatePlan';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

const box = (path: string, sha1: string, id = `id-${path}`): BoxFile => ({ id, path, sha1, size: 10 });
const record = (path: string, sha1: string, id: string | null = `id-${path}`): StateEntry => ({
  id,
  path,
  sha1,
  size: 10,
  localSize: 10,
  localMtimeMs: 1000,
});
/** As placed (same stat), or edited (another time, and the SHA-1 given). */
const placed = (): LocalFile => ({ size: 10, mtimeMs: 1000 });
const touched = (sha1: string): LocalFile => ({ size: 10, mtimeMs: 2000, sha1 });

function plan(input: Partial<UpdateInput>) {
  return planUpdate({ box: [], state: [], local: new Map(), delete: false, ...input });
}

describe('planUpdate: the table of issue #13', function () {
  it('Box unchanged, local unchanged: not touched, carried', function () {
    const p = plan({ box: [box('f', A)], state: [record('f', A)], local: new Map([['f', placed()]]) });
    assert.equal(p.unchanged, 1);
    assert.deepEqual(p.download, []);
    assert.deepEqual(p.carried, [record('f', A)]);
  });

  it('Box unchanged, local edited: not touched whatever it holds, reported', function () {
    const p = plan({ box: [box('f', A)], state: [record('f', A)], local: new Map([['f', touched(B)]]) });
    assert.deepEqual(p.editedHere, ['f']);
    assert.deepEqual(p.download, []);
    assert.deepEqual(p.conflicts, []);
  });

  it('Box unchanged, local touched but the same bytes (stat differs, SHA-1 equal): unchanged', function () {
    const p = plan({ box: [box('f', A)], state: [record('f', A)], local: new Map([['f', touched(A)]]) });
    assert.equal(p.unchanged, 1);
    assert.deepEqual(p.editedHere, []);
  });

  it('Box changed, local unchanged: updated without a question', function () {
    const p = plan({ box: [box('f', B)], state: [record('f', A)], local: new Map([['f', placed()]]) });
    assert.deepEqual(p.download, [{ file: box('f', B), reason: 'changed' }]);
  });

  it('Box changed by a same-size edit only the SHA-1 shows: updated', function () {
    const same = { ...box('f', B), size: 10 };
    const p = plan({ box: [same], state: [record('f', A)], local: new Map([['f', placed()]]) });
    assert.equal(p.download[0]?.reason, 'changed');
  });

  it('new on Box, nothing here: written', function () {
    const p = plan({ box: [box('n', A)] });
    assert.deepEqual(p.download, [{ file: box('n', A), reason: 'new' }]);
  });

  it('new on Box, a local file with the same SHA-1: adopted', function () {
    const p = plan({ box: [box('n', A)], local: new Map([['n', touched(A)]]) });
    assert.deepEqual(p.adopt, [box('n', A)]);
    assert.deepEqual(p.download, []);
  });

  it('new on Box, a different local file: a conflict', function () {
    const p = plan({ box: [box('n', A)], local: new Map([['n', touched(B)]]) });
    assert.deepEqual(p.conflicts, [{ file: box('n', A), kind: 'new-differs' }]);
  });

  it('changed on both sides: a conflict, and the record is carried for a skip', function () {
    const p = plan({ box: [box('f', B)], state: [record('f', A)], local: new Map([['f', touched(C)]]) });
    assert.deepEqual(p.conflicts, [{ file: box('f', B), kind: 'both-changed' }]);
    assert.deepEqual(p.carried, [record('f', A)]);
  });

  it('changed on both sides to the same bytes: adopted', function () {
    const p = plan({ box: [box('f', B)], state: [record('f', A)], local: new Map([['f', touched(B)]]) });
    assert.deepEqual(p.adopt, [box('f', B)]);
  });

  it('deleted on Box, unchanged here: kept and reported; removed with delete', function () {
    const input = { state: [record('gone', A)], local: new Map([['gone', placed()]]) };
    assert.deepEqual(plan(input).deletedOnBox, [{ path: 'gone', edited: false, remove: false }]);
    assert.deepEqual(plan(input).carried, [record('gone', A)], 'kept in the record for a later --delete');
    const removing = plan({ ...input, delete: true });
    assert.deepEqual(removing.deletedOnBox, [{ path: 'gone', edited: false, remove: true }]);
    // Carried still: the record goes only with the file, so one that placing keeps (changed meanwhile) stays known.
    assert.deepEqual(removing.carried, [record('gone', A)]);
  });

  it('deleted on Box, edited here: kept always, even with delete', function () {
    const p = plan({ state: [record('gone', A)], local: new Map([['gone', touched(B)]]), delete: true });
    assert.deepEqual(p.deletedOnBox, [{ path: 'gone', edited: true, remove: false }]);
  });

  it('deleted on Box and here: forgotten', function () {
    const p = plan({ state: [record('gone', A)], delete: true });
    assert.deepEqual(p.deletedOnBox, []);
    assert.deepEqual(p.carried, []);
  });

  it('moved on Box (same id and SHA-1), unchanged here: moved locally, not downloaded', function () {
    const p = plan({
      box: [box('new/place', A, 'id-1')],
      state: [record('old', A, 'id-1')],
      local: new Map([['old', placed()]]),
      delete: true,
    });
    assert.deepEqual(p.moves, [
      { from: 'old', file: box('new/place', A, 'id-1'), record: record('old', A, 'id-1') },
    ]);
    assert.deepEqual(p.download, []);
    assert.deepEqual(p.deletedOnBox, [], 'the old path is moved, not deleted');
  });

  /** 'old' (recorded as A, unedited) moved on Box to 'new' with `sha1`; a local file with `atNew` is at 'new'. */
  const movedOnto = (sha1: string, atNew: string) =>
    plan({
      box: [box('new', sha1, 'id-1')],
      state: [record('old', A, 'id-1')],
      local: new Map([
        ['old', placed()],
        ['new', touched(atNew)],
      ]),
      delete: true,
    });

  for (const [what, sha1] of [
    ['moved', A],
    ['moved and changed', B],
  ]) {
    it(`${what} on Box, unedited here, a different file of yours at the new path: a conflict there, the old copy recorded, never deleted on Box`, function () {
      const p = movedOnto(sha1, C);
      assert.deepEqual(p.conflicts, [
        { file: box('new', sha1, 'id-1'), kind: 'new-differs', from: record('old', A, 'id-1') },
      ]);
      assert.deepEqual(
        [p.moves, p.movedChanged, p.download, p.deletedOnBox, p.editedHere],
        [[], [], [], [], []],
      );
      assert.deepEqual(p.carried, [record('old', A, 'id-1')]);
      assert.deepEqual(p.movedOnBox, [{ from: 'old', to: 'new' }]);
    });

    it(`${what} on Box, unedited here, Box's bytes at the new path already: the move goes ahead (placing finds it in place)`, function () {
      const p = movedOnto(sha1, sha1);
      const move = { from: 'old', file: box('new', sha1, 'id-1'), record: record('old', A, 'id-1') };
      assert.deepEqual([p.moves, p.movedChanged], sha1 === A ? [[move], []] : [[], [move]]);
      assert.deepEqual([p.conflicts, p.adopt, p.deletedOnBox, p.carried], [[], [], [], []]);
    });
  }

  it('moved on Box but edited here: the new path is downloaded and the edited file kept', function () {
    const p = plan({
      box: [box('new', A, 'id-1')],
      state: [record('old', A, 'id-1')],
      local: new Map([['old', touched(B)]]),
      delete: true,
    });
    assert.deepEqual(p.moves, []);
    assert.deepEqual(p.download, [{ file: box('new', A, 'id-1'), reason: 'new' }]);
    // Not deleted on Box: the edit is the user's own file now, reported once and no longer recorded.
    assert.deepEqual(p.deletedOnBox, []);
    assert.deepEqual(p.editedHere, ['old']);
    assert.deepEqual(p.carried, []);
  });

  it('moved and changed on Box, unchanged here (stat, or SHA-1 when stat differs): downloaded to the new path, the old copy removed without delete', function () {
    for (const here of [placed(), touched(A)]) {
      const p = plan({
        box: [box('new', B, 'id-1')],
        state: [record('old', A, 'id-1')],
        local: new Map([['old', here]]),
      });
      assert.deepEqual(p.movedChanged, [
        { from: 'old', file: box('new', B, 'id-1'), record: record('old', A, 'id-1') },
      ]);
      assert.deepEqual([p.moves, p.download, p.deletedOnBox, p.editedHere, p.carried], [[], [], [], [], []]);
    }
  });

  it('moved and changed on Box, edited here: the new path is downloaded as new, the edit kept and reported once', function () {
    const p = plan({
      box: [box('new', B, 'id-1')],
      state: [record('old', A, 'id-1')],
      local: new Map([['old', touched(C)]]),
      delete: true,
    });
    assert.deepEqual(p.movedChanged, []);
    assert.deepEqual(p.download, [{ file: box('new', B, 'id-1'), reason: 'new' }]);
    assert.deepEqual([p.deletedOnBox, p.editedHere, p.carried], [[], ['old'], []]);
  });

  describe('a one-ZIP record has no id: a rename is paired by SHA-1 and size, one to one', function () {
    it('one candidate each way, unchanged here (stat, or SHA-1 when stat differs): moved locally', function () {
      for (const [here, hashed] of [
        [placed(), []],
        [touched(A), ['old']],
      ] as const) {
        const input = { box: [box('new', A)], state: [record('old', A, null)] };
        const p = plan({ ...input, local: new Map([['old', here]]) });
        assert.deepEqual(p.moves, [{ from: 'old', file: box('new', A), record: record('old', A, null) }]);
        assert.deepEqual(p.download, []);
        assert.deepEqual(p.deletedOnBox, []);
        const unhashed = { size: here.size, mtimeMs: here.mtimeMs };
        assert.deepEqual(hashesNeeded({ ...input, local: new Map([['old', unhashed]]) }), hashed);
      }
    });

    it('edited here: not moved; the new path is downloaded and the edit kept at the old one', function () {
      const p = plan({
        box: [box('new', A)],
        state: [record('old', A, null)],
        local: new Map([['old', touched(B)]]),
      });
      assert.deepEqual(p.moves, []);
      assert.deepEqual(p.download, [{ file: box('new', A), reason: 'new' }]);
      assert.deepEqual(p.deletedOnBox, []);
      assert.deepEqual(p.editedHere, ['old']);
    });

    it('two identical files renamed, or a copy whose original is still on Box: no move', function () {
      const two = plan({
        box: [box('x2', A), box('y2', A)],
        state: [record('x', A, null), record('y', A, null)],
        local: new Map([
          ['x', placed()],
          ['y', placed()],
        ]),
      });
      assert.deepEqual(two.moves, []);
      const copy = plan({
        box: [box('old', A), box('copy', A)],
        state: [record('old', A, null)],
        local: new Map([['old', placed()]]),
      });
      assert.deepEqual(copy.moves, []);
      assert.deepEqual(copy.download, [{ file: box('copy', A), reason: 'new' }]);
    });

    it('another size or SHA-1, or a file already at the new path: no move', function () {
      const resized = plan({
        box: [{ ...box('new', A), size: 11 }],
        state: [record('old', A, null)],
        local: new Map([['old', placed()]]),
      });
      assert.deepEqual(resized.moves, []);
      const occupied = plan({
        box: [box('new', A)],
        state: [record('old', A, null)],
        local: new Map([
          ['old', placed()],
          ['new', touched(B)],
        ]),
      });
      assert.deepEqual(occupied.moves, []);
      assert.deepEqual(occupied.conflicts, [
        { file: box('new', A), kind: 'new-differs', from: record('old', A, null) },
      ]);
      assert.deepEqual(occupied.deletedOnBox, []);
    });
  });

  it('unchanged on Box, deleted here: restored, and reported', function () {
    const p = plan({ box: [box('f', A)], state: [record('f', A)] });
    assert.deepEqual(p.download, [{ file: box('f', A), reason: 'restored' }]);
  });

  it('no state: identical files adopted, different ones conflicts, absent ones written, nothing deleted', function () {
    const p = plan({
      box: [box('same', A), box('diff', A), box('absent', A)],
      state: undefined,
      local: new Map([
        ['same', touched(A)],
        ['diff', touched(B)],
        ['extra', touched(C)],
      ]),
      delete: true,
    });
    assert.deepEqual(
      p.adopt.map((f) => f.path),
      ['same'],
    );
    assert.deepEqual(
      p.conflicts.map((c) => c.file.path),
      ['diff'],
    );
    assert.deepEqual(
      p.download.map((d) => d.file.path),
      ['absent'],
    );
    assert.deepEqual(p.deletedOnBox, []);
  });

  it('stat first: hashes only where stat differs from the record or there is no record', function () {
    const input = {
      box: [box('same', A), box('touched', A), box('unrecorded', A), box('absent', A)],
      state: [record('same', A), record('touched', A), record('absent', A), record('gone', A)],
      local: new Map<string, LocalFile>([
        ['same', placed()],
        ['touched', { size: 11, mtimeMs: 1000 }],
        ['unrecorded', { size: 10, mtimeMs: 1000 }],
        ['gone', { size: 10, mtimeMs: 5 }],
      ]),
    };
    assert.deepEqual(hashesNeeded(input), ['gone', 'touched', 'unrecorded']);
    assert.throws(() => planUpdate({ ...input, delete: false }), /SHA-1 of .* is needed/);
  });
});

describe('planUpdate: properties over random histories', function () {
  const hashes = fc.constantFrom(A, B, C);
  const paths = fc.constantFrom('a', 'b', 'c/d', 'c/e', 'f');
  interface History {
    boxFiles: Record<string, string>;
    recorded: Record<string, string>;
    localFiles: Record<string, string | undefined>;
    remove: boolean;
  }
  const history: fc.Arbitrary<History> = fc.record({
    boxFiles: fc.dictionary(paths, hashes),
    recorded: fc.dictionary(paths, hashes),
    localFiles: fc.dictionary(paths, fc.option(hashes, { nil: undefined })),
    remove: fc.boolean(),
  });
  /** A local entry: undefined hash = as placed (same stat); a hash = touched, with that content. */
  function inputOf(h: History): UpdateInput {
    const local = new Map<string, LocalFile>();
    for (const [p, sha1] of Object.entries(h.localFiles)) {
      const content = sha1 ?? h.recorded[p] ?? A;
      local.set(p, sha1 === undefined && h.recorded[p] ? placed() : touched(content));
    }
    return {
      box: Object.entries(h.boxFiles).map(([p, sha1]) => box(p, sha1)),
      state: Object.entries(h.recorded).map(([p, sha1]) => record(p, sha1)),
      local,
      delete: h.remove,
    };
  }
  const contentOf = (input: UpdateInput, p: string): string | undefined => {
    const file = input.local.get(p);
    if (!file) return undefined;
    return file.sha1 ?? input.state!.find((r) => r.path === p)!.sha1;
  };

  it('never removes or downloads over a local edit without a conflict, never touches what Box did not change', function () {
    fc.assert(
      fc.property(history, (h) => {
        const input = inputOf(h);
        const p = planUpdate(input);
        for (const d of p.deletedOnBox) {
          const rec = input.state!.find((r) => r.path === d.path)!;
          if (d.remove) assert.equal(contentOf(input, d.path), rec.sha1, 'only unedited files are removed');
        }
        for (const m of p.movedChanged) {
          assert.equal(contentOf(input, m.from), m.record.sha1, 'only an unedited old copy goes with a move');
          assert.equal(contentOf(input, m.file.path), undefined, 'nothing here at the new path');
        }
        for (const { file } of p.download) {
          const here = contentOf(input, file.path);
          const rec = input.state!.find((r) => r.path === file.path);
          // A download replaces a local file only if that file is exactly what we placed.
          if (here !== undefined) assert.equal(here, rec?.sha1, `${file.path} would lose a local edit`);
          if (rec && here !== undefined) assert.notEqual(rec.sha1, file.sha1, 'Box did not change it');
        }
        // Every Box path gets exactly one outcome.
        const outcomes = [
          ...p.download.map((d) => d.file.path),
          ...p.conflicts.map((c) => c.file.path),
          ...p.adopt.map((f) => f.path),
          ...p.moves.map((m) => m.file.path),
          ...p.movedChanged.map((m) => m.file.path),
          ...p.editedHere,
        ];
        const unchanged = input.box.filter(
          (f) => !outcomes.includes(f.path) && p.carried.some((c) => c.path === f.path),
        );
        assert.equal(outcomes.length + unchanged.length, input.box.length);
        assert.equal(new Set(outcomes).size, outcomes.length);
        assert.equal(unchanged.length, p.unchanged);
      }),
      { numRuns: 500 },
    );
  });

  it('hashesNeeded gives planUpdate every hash it asks for, and only paths whose stat differs or lack a record', function () {
    fc.assert(
      fc.property(history, (h) => {
        const input = inputOf(h);
        const statOnly = new Map([...input.local].map(([p, f]) => [p, { size: f.size, mtimeMs: f.mtimeMs }]));
        const needed = hashesNeeded({ ...input, local: statOnly });
        for (const p of needed) {
          const rec = input.state!.find((r) => r.path === p);
          const file = statOnly.get(p)!;
          assert.ok(!rec || file.mtimeMs !== rec.localMtimeMs || file.size !== rec.localSize, p);
        }
        const hashed = new Map(
          [...statOnly].map(([p, f]) => [p, needed.includes(p) ? { ...f, sha1: contentOf(input, p) } : f]),
        );
        planUpdate({ ...input, local: hashed }); // throws if a hash is missing
      }),
      { numRuns: 500 },
    );
  });

  it('tryPlan (one pass): the plan planUpdate makes when no hash is missing, else the paths hashesNeeded names', function () {
    const ids = fc.constantFrom<'same' | 'none' | 'other'>('same', 'none', 'other');
    fc.assert(
      fc.property(history, fc.dictionary(paths, ids), (h, recordIds) => {
        const input = inputOf(h);
        // Records without an id (a one-ZIP first pull) or with another: the plan must carry Box's id.
        const state = input.state!.map((r) => {
          const kind = recordIds[r.path] ?? 'same';
          return kind === 'same' ? r : { ...r, id: kind === 'none' ? null : `old-${r.path}` };
        });
        const statOnly = new Map([...input.local].map(([p, f]) => [p, { size: f.size, mtimeMs: f.mtimeMs }]));
        for (const local of [statOnly, input.local]) {
          const whole = { ...input, state, local };
          const { plan, missing } = tryPlan(whole);
          assert.deepEqual(missing, hashesNeeded(whole));
          if (missing.length > 0) continue;
          assert.deepEqual(plan, planUpdate(whole));
          for (const carried of plan.carried) {
            const listed = whole.box.find((f) => f.path === carried.path);
            const unchanged = listed && !plan.conflicts.some((c) => c.file.path === listed.path);
            if (unchanged) assert.equal(carried.id, listed.id, `${carried.path} carries Box's id`);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
