// Updates through the CLI against the emulator (issue #13): the same pull again downloads only what changed on
// Box, never loses a local edit, and changes the destination and its state file together or not at all. Box is
// changed between pulls by changing the emulator's folder on disk (it lists the disk on every request).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { diffTrees } from '../../helpers/compareTrees';
import { writeWithOwnTime } from '../../helpers/ownTime';
import { CLI, pullArgs, requireBuiltCli, runCli, snapshot, watch, type Run } from '../cli/support';
import type { UpdateSummary } from '../../../src/core/update/updatePull';

interface Done {
  event: string;
  filesWritten: number;
  filesOverwritten: number;
  bytesDownloaded: number;
  alreadyUpToDate?: string[];
  update?: UpdateSummary;
  checksumMismatches?: string[];
}

function done(run: Run): Done {
  const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Done;
  assert.equal(last.event, 'done', run.stdout + run.stderr);
  return last;
}

describe('box-pull CLI: pulling updates', function () {
  this.timeout(120_000);
  let sandbox: string;
  let root: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let counter = 0;

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-update-'));
    root = path.join(sandbox, 'account');
    await fs.mkdir(root);
    emulator = await startEmulator({ root });
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  /** A fresh Box folder with these files, and a destination for it. */
  async function fixture(
    files: Record<string, string>,
  ): Promise<{ box: string; dest: string; name: string }> {
    const name = `F${++counter}`;
    const box = path.join(root, name);
    for (const [relative, text] of Object.entries(files)) await write(box, relative, text);
    return { box, dest: path.join(sandbox, `dest-${counter}`), name };
  }

  const write = writeWithOwnTime;

  const pull = (name: string, dest: string, ...extra: string[]) =>
    runCli(pullArgs(emulator, emulator.idForPath(name), dest, '--json', ...extra));

  async function pullOk(name: string, dest: string, ...extra: string[]): Promise<Done> {
    const run = await pull(name, dest, ...extra);
    assert.equal(run.code, 0, run.stderr);
    return done(run);
  }

  /** An update stopped by SIGINT once its download has begun: exit 130, and the folder exactly as it was. */
  async function interruptedMidDownload(f: { name: string; dest: string }): Promise<void> {
    const before = await snapshot(f.dest);
    emulator.faults.bytesPerSecond = 2_000;
    const run = watch(
      spawn(process.execPath, [CLI, ...pullArgs(emulator, emulator.idForPath(f.name), f.dest, '--json')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      await run.waitFor(/"phase":"downloading","bytesDownloaded":[1-9]/);
      run.child.kill('SIGINT');
      assert.equal(await run.exitCode, 130);
      assert.deepEqual(await snapshot(f.dest), before);
    } finally {
      run.kill();
      emulator.faults.bytesPerSecond = undefined;
    }
  }

  /**
   * The update run (its words, or `--json`) while a racing process writes a file of the user's at `at` once the
   * download has begun (the staging folder is there, the download slowed): between the plan and the placing.
   */
  /**
   * a/doc.txt moved on Box to b/moved.txt (after a second pull recorded Box's ids), and an update during which a file
   * of yours is made at b/moved.txt; big.txt changed on Box makes the update last long enough for that.
   */
  async function moveRacedByYours(): Promise<{ f: Awaited<ReturnType<typeof fixture>>; run: Run }> {
    const f = await fixture({ 'a/doc.txt': 'moving', 'a/stay.txt': 's', 'big.txt': 'v1 '.repeat(4000) });
    await pullOk(f.name, f.dest);
    await pullOk(f.name, f.dest); // the update fills in Box's ids
    await fs.mkdir(path.join(f.box, 'b'));
    await emulator.renameKeepingIds(`${f.name}/a/doc.txt`, `${f.name}/b/moved.txt`);
    await write(f.box, 'big.txt', 'v2 '.repeat(4000));
    const run = await updateRacing(f, 'b/moved.txt', 'mine, made meanwhile', true);
    assert.equal(run.code, 0, run.stderr);
    return { f, run };
  }

  async function updateRacing(
    f: { name: string; dest: string },
    at: string,
    text: string,
    json: boolean,
    ...extra: string[]
  ): Promise<Run> {
    emulator.faults.bytesPerSecond = 2_000;
    try {
      const running = runCli(
        pullArgs(emulator, emulator.idForPath(f.name), f.dest, ...(json ? ['--json'] : []), ...extra),
      );
      let staging = false;
      while (!staging) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        staging = (await fs.readdir(f.dest)).some((name) => name.startsWith('.box-pull-staging-'));
      }
      await write(f.dest, at, text);
      return await running;
    } finally {
      emulator.faults.bytesPerSecond = undefined;
    }
  }

  /** The paths the destination's state file records. */
  async function recorded(dest: string): Promise<string[]> {
    const state = JSON.parse(await fs.readFile(path.join(dest, '.box-pull.json'), 'utf8')) as {
      files: { path: string }[];
    };
    return state.files.map((e) => e.path).sort();
  }

  const read = (dest: string, relative: string) => fs.readFile(path.join(dest, relative), 'utf8');
  const counts = () => ({ zips: emulator.stats.zipCreates, contents: emulator.stats.fileContentDownloads });

  /** The update run twice over the same copy: once for its words, once (on a twin) for `--json`. */
  async function updateBoth(f: { name: string; dest: string }) {
    const twin = `${f.dest}-json`;
    await fs.cp(f.dest, twin, { recursive: true, preserveTimestamps: true });
    const before = counts();
    const human = await runCli(pullArgs(emulator, emulator.idForPath(f.name), f.dest));
    assert.equal(human.code, 0, human.stderr);
    const downloads = { zips: counts().zips - before.zips, contents: counts().contents - before.contents };
    return { text: human.stdout, downloads, json: await pullOk(f.name, twin) };
  }

  it('downloads only what changed, by content, and handles each row of the table', async function () {
    const f = await fixture({
      'same.txt': 'same',
      'changed.txt': 'aaaa',
      'gone.txt': 'gone',
      'edited-here.txt': 'box',
      'deleted-here.txt': 'restore me',
      'sub/deep.txt': 'deep',
    });
    await pullOk(f.name, f.dest);
    // Box: a same-size change only SHA-1 reveals, a new file, a deletion. Here: an edit, a deletion.
    await write(f.box, 'changed.txt', 'bbbb');
    await write(f.box, 'sub/new.txt', 'new');
    await fs.rm(path.join(f.box, 'gone.txt'));
    await write(f.dest, 'edited-here.txt', 'mine');
    await fs.rm(path.join(f.dest, 'deleted-here.txt'));
    const before = counts();
    const report = await pullOk(f.name, f.dest);
    const update = report.update!;
    assert.deepEqual(update.updated, ['changed.txt']);
    assert.deepEqual(update.new, ['sub/new.txt']);
    assert.deepEqual(update.restored, ['deleted-here.txt']);
    assert.deepEqual(update.editedHere, ['edited-here.txt']);
    assert.deepEqual(update.deletedOnBoxKept, ['gone.txt']);
    assert.equal(update.unchanged, 2);
    assert.deepEqual(counts(), { zips: before.zips, contents: before.contents + 3 });
    assert.equal(await read(f.dest, 'changed.txt'), 'bbbb');
    assert.equal(await read(f.dest, 'sub/new.txt'), 'new');
    assert.equal(await read(f.dest, 'deleted-here.txt'), 'restore me');
    assert.equal(await read(f.dest, 'edited-here.txt'), 'mine');
    assert.equal(await read(f.dest, 'gone.txt'), 'gone');
    // The state records the new versions: nothing changed since, so the next update does nothing.
    const again = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual([again.updated, again.new, again.restored], [[], [], []]);
    assert.deepEqual(again.editedHere, ['edited-here.txt']);
  });

  it('nothing changed: no ZIP, no content download, no file touched', async function () {
    const f = await fixture({ 'a.txt': 'a', 'b/c.txt': 'c', 'b/d/e.txt': 'e' });
    await pullOk(f.name, f.dest);
    const before = counts();
    const stamp = (await fs.stat(path.join(f.dest, 'b/c.txt'))).mtimeMs;
    const report = await pullOk(f.name, f.dest);
    assert.deepEqual(counts(), before);
    assert.equal(report.bytesDownloaded, 0);
    assert.equal(report.update!.unchanged, 3);
    assert.equal((await fs.stat(path.join(f.dest, 'b/c.txt'))).mtimeMs, stamp);
  });

  it('an update of nothing leaves the state file as it was: not rewritten, not placed anew', async function () {
    const f = await fixture({ 'a.txt': 'a', 'b/c.txt': 'c', 'empty/.keep': '' });
    await fs.mkdir(path.join(f.box, 'hollow'));
    await pullOk(f.name, f.dest);
    // The first update records Box's file ids, which a one-ZIP pull has not: that one rewrites the state.
    await pullOk(f.name, f.dest);
    const stateFile = path.join(f.dest, '.box-pull.json');
    const [bytes, stat] = await Promise.all([fs.readFile(stateFile, 'utf8'), fs.stat(stateFile)]);
    const report = await pullOk(f.name, f.dest);
    assert.equal(report.update!.unchanged, 3);
    assert.equal(await fs.readFile(stateFile, 'utf8'), bytes, 'the state file says what it said');
    // Placing moves a staged state file in: a new inode even when the bytes were the same.
    assert.equal((await fs.stat(stateFile)).ino, stat.ino, 'the same file, not a new one placed over it');
  });

  it('many changes go as ZIPs of file ids, each file SHA-1 checked', async function () {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`d${i % 3}/f${i}.txt`] = `v1 ${i}`;
    const f = await fixture(files);
    await pullOk(f.name, f.dest);
    for (let i = 0; i < 12; i++) await write(f.box, `d${i % 3}/f${i}.txt`, `v2 ${i}`);
    const before = counts();
    const report = await pullOk(f.name, f.dest);
    assert.equal(report.update!.updated.length, 12);
    assert.ok(emulator.stats.zipCreates > before.zips, 'a ZIP of file ids');
    assert.equal(emulator.stats.fileContentDownloads, before.contents);
    assert.deepEqual(await diffTrees(f.box, f.dest), []);
  });

  for (const policy of ['skip', 'overwrite'] as const) {
    it(`a file changed on both sides is a conflict: ${policy}`, async function () {
      const f = await fixture({ 'both.txt': 'v1', 'other.txt': 'o' });
      await pullOk(f.name, f.dest);
      await write(f.box, 'both.txt', 'box v2');
      await write(f.dest, 'both.txt', 'my v2');
      const before = counts();
      const report = await pullOk(f.name, f.dest, '--on-conflict', policy);
      assert.deepEqual(report.update!.conflicts, ['both.txt']);
      assert.equal(await read(f.dest, 'both.txt'), policy === 'skip' ? 'my v2' : 'box v2');
      // Skip downloads nothing at all.
      if (policy === 'skip') assert.deepEqual(counts(), before);
      // Still a conflict next time under skip; settled under overwrite.
      const next = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(next.conflicts, policy === 'skip' ? ['both.txt'] : []);
    });
  }

  it('--delete removes unedited files deleted on Box and keeps the edited one', async function () {
    const f = await fixture({ 'plain.txt': 'p', 'edited.txt': 'e', 'stays.txt': 's' });
    await pullOk(f.name, f.dest);
    await fs.rm(path.join(f.box, 'plain.txt'));
    await fs.rm(path.join(f.box, 'edited.txt'));
    await write(f.dest, 'edited.txt', 'my edit');
    const without = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual(without.deletedOnBoxKept.sort(), ['edited.txt', 'plain.txt']);
    await fs.access(path.join(f.dest, 'plain.txt'));
    const report = (await pullOk(f.name, f.dest, '--delete')).update!;
    assert.deepEqual(report.removed, ['plain.txt']);
    assert.deepEqual(report.deletedOnBoxKept, ['edited.txt']);
    await assert.rejects(fs.access(path.join(f.dest, 'plain.txt')));
    assert.equal(await read(f.dest, 'edited.txt'), 'my edit');
  });

  it('--delete: a file deleted on Box that changes during the update is kept, still recorded, said why, and judged again next time', async function () {
    const f = await fixture({ 'gone.txt': 'g', 'big.txt': 'v1 '.repeat(4000) });
    await pullOk(f.name, f.dest);
    await fs.rm(path.join(f.box, 'gone.txt'));
    // A download to make the update last long enough for the racing process.
    await write(f.box, 'big.txt', 'v2 '.repeat(4000));
    await fs.cp(f.dest, `${f.dest}-json`, { recursive: true, preserveTimestamps: true });
    const human = await updateRacing(f, 'gone.txt', 'my edit, made meanwhile', false, '--delete');
    assert.equal(human.code, 0, human.stderr);
    const raced = await updateRacing(
      { ...f, dest: `${f.dest}-json` },
      'gone.txt',
      'my edit, made meanwhile',
      true,
      '--delete',
    );
    assert.equal(raced.code, 0, raced.stderr);
    for (const dest of [f.dest, `${f.dest}-json`]) {
      assert.equal(await read(dest, 'gone.txt'), 'my edit, made meanwhile');
      assert.equal(await read(dest, 'big.txt'), 'v2 '.repeat(4000));
      assert.ok((await recorded(dest)).includes('gone.txt'), 'still recorded');
    }
    assert.match(human.stdout, /\nKept \(deleted on Box; it changed during the update\): gone\.txt\n/);
    assert.doesNotMatch(human.stdout, /\(removed\)/);
    const update = done(raced).update!;
    assert.deepEqual([update.removed, update.deletedOnBoxKept], [[], []]);
    assert.deepEqual(update.removalsKept, ['gone.txt']);
    // Judged again: edited here now, so kept even with --delete, and said so.
    const next = (await pullOk(f.name, f.dest, '--delete')).update!;
    assert.deepEqual([next.removed, next.deletedOnBoxKept], [[], ['gone.txt']]);
    assert.equal(await read(f.dest, 'gone.txt'), 'my edit, made meanwhile');
  });

  for (const [what, text] of [
    ['corrupt', '{"version":1,"folderId":'],
    ['foreign', JSON.stringify({ version: 1, folderId: '42', apiOrigin: 'http://127.0.0.1:1', files: [] })],
  ]) {
    it(`a ${what} state file is treated as missing: SHA-1 adoption, conflicts, nothing deleted`, async function () {
      const f = await fixture({ 'same.txt': 'same', 'differs.txt': 'box', 'gone.txt': 'g' });
      await pullOk(f.name, f.dest);
      await fs.rm(path.join(f.box, 'gone.txt'));
      await write(f.dest, 'differs.txt', 'mine');
      await fs.writeFile(path.join(f.dest, '.box-pull.json'), text);
      const before = counts();
      const run = await pull(f.name, f.dest, '--delete', '--on-conflict', 'skip');
      assert.equal(run.code, 0, run.stderr);
      const update = done(run).update!;
      assert.equal(update.withoutState, true);
      assert.deepEqual(update.adopted, ['same.txt']);
      assert.deepEqual(update.conflicts, ['differs.txt']);
      assert.deepEqual(update.removed, []);
      assert.deepEqual(counts(), before, 'nothing downloaded');
      await fs.access(path.join(f.dest, 'gone.txt'));
      assert.equal(await read(f.dest, 'differs.txt'), 'mine');
      // A usable state file again: the adopted file is recorded.
      const state = JSON.parse(await read(f.dest, '.box-pull.json')) as { files: { path: string }[] };
      assert.deepEqual(
        state.files.map((e) => e.path),
        ['same.txt'],
      );
    });
  }

  it('no state file, files here: identical ones adopted without download, different ones conflicts, missing ones downloaded, nothing deleted', async function () {
    const f = await fixture({
      'same.txt': 'same',
      'differs.txt': 'box',
      'missing.txt': 'm',
      'sub/new.txt': 'n',
    });
    // A copy made another way (or a lost state file): no .box-pull.json, and a local file Box never had.
    await write(f.dest, 'same.txt', 'same');
    await write(f.dest, 'differs.txt', 'mine');
    await write(f.dest, 'extra.txt', 'only here');
    const before = counts();
    const update = (await pullOk(f.name, f.dest, '--delete')).update!;
    assert.equal(update.withoutState, true);
    assert.deepEqual(update.adopted, ['same.txt']);
    assert.deepEqual(update.conflicts, ['differs.txt']);
    assert.deepEqual(update.conflictsKept, ['differs.txt']);
    assert.deepEqual(update.new.sort(), ['missing.txt', 'sub/new.txt']);
    assert.deepEqual(update.removed, []);
    // Only the two missing files travel: the identical one is adopted, the conflict kept (skip) and not fetched.
    assert.deepEqual(counts(), { zips: before.zips, contents: before.contents + 2 });
    assert.equal(await read(f.dest, 'differs.txt'), 'mine');
    assert.equal(await read(f.dest, 'extra.txt'), 'only here');
    assert.equal(await read(f.dest, 'sub/new.txt'), 'n');
    const state = JSON.parse(await read(f.dest, '.box-pull.json')) as { files: { path: string }[] };
    assert.deepEqual(
      state.files.map((e) => e.path),
      ['missing.txt', 'same.txt', 'sub/new.txt'],
    );
    // Recorded now: the next update touches nothing and asks about the same conflict only.
    const again = (await pullOk(f.name, f.dest)).update!;
    assert.equal(again.withoutState, false);
    assert.equal(again.unchanged, 3);
    assert.deepEqual(again.conflicts, ['differs.txt']);
  });

  it('folders: an empty one on Box appears here; one deleted on Box is kept, and removed with --delete only if empty', async function () {
    const f = await fixture({
      'a/x.txt': 'x',
      'b/y.txt': 'y',
      'c/z.txt': 'z',
      'd/e/w.txt': 'w',
      'g/h/v.txt': 'v',
    });
    await pullOk(f.name, f.dest);
    await fs.mkdir(path.join(f.box, 'empty', 'inner'), { recursive: true });
    for (const gone of ['b', 'c', 'd', 'g']) await fs.rm(path.join(f.box, gone), { recursive: true });
    await write(f.dest, 'c/mine.txt', 'made here');
    await write(f.dest, 'd/e/w.txt', 'edited here');
    const before = counts();
    const kept = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual(kept.foldersCreated, ['empty', 'empty/inner']);
    assert.deepEqual(kept.foldersDeletedOnBoxKept.sort(), ['b', 'c', 'd', 'd/e', 'g', 'g/h']);
    assert.deepEqual(kept.deletedOnBoxKept.sort(), ['b/y.txt', 'c/z.txt', 'd/e/w.txt', 'g/h/v.txt']);
    assert.ok((await fs.stat(path.join(f.dest, 'empty', 'inner'))).isDirectory());
    assert.deepEqual(counts(), before, 'a folder costs no download');
    // The dry run names only the folders the update will remove: c keeps a file of mine, d an edited one.
    const dry = await runCli(pullArgs(emulator, emulator.idForPath(f.name), f.dest, '--dry-run', '--delete'));
    assert.equal(dry.code, 0, dry.stderr);
    const said = (verb: string) =>
      dry.stdout
        .split('\n')
        .flatMap((line) => (line.startsWith(`${verb}: `) ? [line.slice(verb.length + 2)] : []));
    assert.deepEqual(said('Delete (folder deleted on Box)'), ['b', 'g', 'g/h']);
    assert.deepEqual(said('Kept (folder deleted on Box)').sort(), ['c', 'd', 'd/e']);
    const planned = (await pullOk(f.name, f.dest, '--dry-run', '--delete')).update!;
    const removed = (await pullOk(f.name, f.dest, '--delete')).update!;
    assert.deepEqual(removed.removed.sort(), ['b/y.txt', 'c/z.txt', 'g/h/v.txt']);
    assert.deepEqual(removed.foldersRemoved, ['b', 'g', 'g/h']);
    assert.deepEqual(removed.foldersDeletedOnBoxKept.sort(), ['c', 'd', 'd/e']);
    assert.deepEqual(planned.foldersRemoved, removed.foldersRemoved, 'the dry run said what happened');
    assert.deepEqual(planned.foldersDeletedOnBoxKept.sort(), removed.foldersDeletedOnBoxKept.sort());
    await assert.rejects(fs.access(path.join(f.dest, 'b')));
    assert.equal(await read(f.dest, 'c/mine.txt'), 'made here');
    assert.deepEqual(await fs.readdir(path.join(f.dest, 'empty')), ['inner']);
  });

  it('a file moved on Box (same id and SHA-1) is moved locally, not downloaded', async function () {
    const f = await fixture({ 'a/old.txt': 'moving', 'a/stay.txt': 's' });
    await pullOk(f.name, f.dest);
    await pullOk(f.name, f.dest); // the update fills in Box's ids
    await fs.mkdir(path.join(f.box, 'b'));
    await fs.rename(path.join(f.box, 'a/old.txt'), path.join(f.box, 'b/new.txt'));
    // The emulator's ids follow paths; Box keeps a file's id across a move: the record says so.
    const statePath = path.join(f.dest, '.box-pull.json');
    const state = JSON.parse(await fs.readFile(statePath, 'utf8')) as {
      files: { path: string; id: string }[];
    };
    state.files.find((e) => e.path === 'a/old.txt')!.id = emulator.idForPath(`${f.name}/b/new.txt`);
    await fs.writeFile(statePath, JSON.stringify(state));
    const before = counts();
    const report = await pullOk(f.name, f.dest, '--delete');
    assert.deepEqual(report.update!.moved, [{ from: 'a/old.txt', to: 'b/new.txt' }]);
    assert.deepEqual(report.update!.removed, []);
    assert.deepEqual(counts(), before);
    assert.equal(report.bytesDownloaded, 0);
    await assert.rejects(fs.access(path.join(f.dest, 'a/old.txt')));
    assert.equal(await read(f.dest, 'b/new.txt'), 'moving');
    assert.deepEqual(await diffTrees(f.box, f.dest), []);
  });

  it('a file moved on Box whose new path gets a file of yours during the update: both stay, the move is said kept', async function () {
    const { f, run } = await moveRacedByYours();
    assert.equal(await read(f.dest, 'a/doc.txt'), 'moving', 'the old copy is kept');
    assert.equal(await read(f.dest, 'b/moved.txt'), 'mine, made meanwhile');
    assert.equal(await read(f.dest, 'big.txt'), 'v2 '.repeat(4000));
    assert.ok((await recorded(f.dest)).includes('a/doc.txt'), 'the old copy is still recorded');
    assert.ok(!(await recorded(f.dest)).includes('b/moved.txt'));
    const update = done(run).update!;
    assert.deepEqual(update.moved, [], 'not said to have moved');
    assert.deepEqual(update.movesKept, [{ from: 'a/doc.txt', to: 'b/moved.txt', why: 'yours' }]);
    assert.deepEqual(update.updated, ['big.txt']);
    await fs.rm(path.join(f.dest, 'b/moved.txt'));
    const next = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual(next.moved, [{ from: 'a/doc.txt', to: 'b/moved.txt' }]);
    assert.deepEqual(await diffTrees(f.box, f.dest), []);
  });

  it("a file of yours left at the new path of a move: the next update with --delete keeps the old copy, recorded, and says why; overwrite takes Box's and the old copy goes with it", async function () {
    const { f } = await moveRacedByYours();
    assert.ok((await recorded(f.dest)).includes('a/doc.txt'));
    // The file of yours stays at the new path: a conflict there (skip keeps it), never "deleted on Box" for the old.
    await fs.cp(f.dest, `${f.dest}-text`, { recursive: true, preserveTimestamps: true });
    const text = await runCli(pullArgs(emulator, emulator.idForPath(f.name), `${f.dest}-text`, '--delete'));
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /\nKept \(moved on Box to b\/moved\.txt; a file of yours there was kept\): a\/doc\.txt\n/,
    );
    assert.doesNotMatch(text.stdout, /deleted on Box/);
    const update = (await pullOk(f.name, f.dest, '--delete')).update!;
    for (const dest of [f.dest, `${f.dest}-text`]) {
      assert.equal(await read(dest, 'a/doc.txt'), 'moving', 'the old copy is kept');
      assert.equal(await read(dest, 'b/moved.txt'), 'mine, made meanwhile');
      assert.ok((await recorded(dest)).includes('a/doc.txt'), 'the old copy is still recorded');
      assert.ok(!(await recorded(dest)).includes('b/moved.txt'));
    }
    assert.deepEqual([update.removed, update.deletedOnBoxKept, update.moved], [[], [], []]);
    assert.deepEqual(update.conflicts, ['b/moved.txt']);
    assert.deepEqual(update.movesKept, [{ from: 'a/doc.txt', to: 'b/moved.txt', why: 'yours' }]);
    // Overwrite takes Box's copy at the new path; the old copy goes with it.
    const taken = (await pullOk(f.name, f.dest, '--delete', '--on-conflict', 'overwrite')).update!;
    assert.deepEqual([taken.removed, taken.deletedOnBoxKept, taken.movesKept], [[], [], []]);
    assert.deepEqual(taken.conflicts, ['b/moved.txt']);
    assert.deepEqual(taken.movedAndUpdated, [{ from: 'a/doc.txt', to: 'b/moved.txt' }]);
    assert.deepEqual(await diffTrees(f.box, f.dest), []);
    assert.deepEqual(await recorded(f.dest), ['a/stay.txt', 'b/moved.txt', 'big.txt']);
  });

  it("a file moved on Box whose new path holds Box's bytes already (copied there here): the move completes, nothing downloaded", async function () {
    const f = await fixture({ 'a/doc.txt': 'moving', 'a/stay.txt': 's' });
    await pullOk(f.name, f.dest);
    await pullOk(f.name, f.dest); // the update fills in Box's ids
    await fs.mkdir(path.join(f.box, 'b'));
    await emulator.renameKeepingIds(`${f.name}/a/doc.txt`, `${f.name}/b/moved.txt`);
    await write(f.dest, 'b/moved.txt', 'moving');
    const before = counts();
    const update = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual(counts(), before, 'nothing downloaded');
    assert.deepEqual(update.moved, [{ from: 'a/doc.txt', to: 'b/moved.txt' }]);
    assert.deepEqual([update.deletedOnBoxKept, update.conflicts, update.movesKept], [[], [], []]);
    assert.deepEqual(await diffTrees(f.box, f.dest), []);
    assert.deepEqual(await recorded(f.dest), ['a/stay.txt', 'b/moved.txt']);
  });

  it("a file moved on Box and edited here: the edit stays, Box's copy comes to the new path, reported once", async function () {
    const f = await fixture({ 'a/doc.txt': 'box copy', 'a/stay.txt': 's' });
    await pullOk(f.name, f.dest);
    await pullOk(f.name, f.dest); // the update fills in Box's ids
    await emulator.renameKeepingIds(`${f.name}/a`, `${f.name}/renamed`);
    await write(f.dest, 'a/doc.txt', 'my edit');
    const update = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual(update.moved, [{ from: 'a/stay.txt', to: 'renamed/stay.txt' }]);
    assert.deepEqual(update.new, ['renamed/doc.txt']);
    assert.deepEqual(update.editedHere, ['a/doc.txt']);
    assert.deepEqual(update.deletedOnBoxKept, [], 'moved on Box, not deleted');
    assert.equal(await read(f.dest, 'a/doc.txt'), 'my edit');
    assert.equal(await read(f.dest, 'renamed/doc.txt'), 'box copy');
    // The edit is the user's own file now: no later update reports it, as deleted on Box or otherwise.
    const next = (await pullOk(f.name, f.dest)).update!;
    assert.deepEqual([next.editedHere, next.deletedOnBoxKept, next.new, next.moved], [[], [], [], []]);
    assert.equal(next.unchanged, 2);
    assert.equal(await read(f.dest, 'a/doc.txt'), 'my edit');
  });

  describe('a file moved or renamed on Box and changed there', function () {
    /** A pulled copy (Box's ids recorded) whose `a/doc.txt` is then renamed on Box to `b/report.txt` and changed. */
    async function movedAndChanged(changed = 'v2, changed on Box') {
      const f = await fixture({ 'a/doc.txt': 'v1', 'a/stay.txt': 's', 'b/other.txt': 'o' });
      await pullOk(f.name, f.dest);
      await pullOk(f.name, f.dest); // the update fills in Box's ids
      await emulator.renameKeepingIds(`${f.name}/a/doc.txt`, `${f.name}/b/report.txt`);
      await write(f.box, 'b/report.txt', changed);
      return f;
    }

    it('unedited here: Box\'s new bytes at the new path, the old copy gone, "moved and updated", not "deleted on Box"', async function () {
      const f = await movedAndChanged();
      const dry = await runCli(pullArgs(emulator, emulator.idForPath(f.name), f.dest, '--dry-run'));
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /Would update .*: 1 moved and updated; 2 unchanged\./);
      assert.match(
        dry.stdout,
        /Download and move \(moved and changed on Box\): a\/doc\.txt → b\/report\.txt\n/,
      );
      assert.doesNotMatch(dry.stdout, /deleted on Box|\d new|Download \(new\)/);
      const { text, downloads, json } = await updateBoth(f);
      assert.match(text, /Updated .*: 1 moved and updated; 2 unchanged\./);
      assert.doesNotMatch(text, /deleted on Box|Kept|\d new/);
      assert.match(text, /\nDownloaded 1 file \(18 B\) into /);
      assert.deepEqual(downloads, { zips: 0, contents: 1 });
      const update = json.update!;
      assert.deepEqual(update.movedAndUpdated, [{ from: 'a/doc.txt', to: 'b/report.txt' }]);
      assert.deepEqual([update.new, update.moved, update.deletedOnBoxKept, update.removed], [[], [], [], []]);
      for (const dest of [f.dest, `${f.dest}-json`]) {
        await assert.rejects(fs.access(path.join(dest, 'a/doc.txt')));
        assert.equal(await read(dest, 'b/report.txt'), 'v2, changed on Box');
        assert.deepEqual(await diffTrees(f.box, dest), []);
      }
      // Recorded at its new path: the next update has nothing to do.
      const again = counts();
      const next = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(counts(), again);
      assert.deepEqual([next.movedAndUpdated, next.new, next.deletedOnBoxKept], [[], [], []]);
      assert.equal(next.unchanged, 3);
    });

    it("edited here: the edit stays at its old path, Box's copy comes to the new path, reported once", async function () {
      const f = await movedAndChanged();
      await write(f.dest, 'a/doc.txt', 'my edit');
      const update = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(update.movedAndUpdated, []);
      assert.deepEqual(update.new, ['b/report.txt']);
      assert.deepEqual(update.editedHere, ['a/doc.txt']);
      assert.deepEqual(update.deletedOnBoxKept, [], 'moved on Box, not deleted');
      assert.equal(await read(f.dest, 'a/doc.txt'), 'my edit');
      assert.equal(await read(f.dest, 'b/report.txt'), 'v2, changed on Box');
    });

    it('a file of yours appears at the new path during the update: it is kept, and so is the old copy, still recorded', async function () {
      const f = await movedAndChanged('v2 '.repeat(4000));
      await fs.cp(f.dest, `${f.dest}-json`, { recursive: true, preserveTimestamps: true });
      const human = await updateRacing(f, 'b/report.txt', 'mine, made meanwhile', false);
      assert.equal(human.code, 0, human.stderr);
      const raced = await updateRacing(
        { ...f, dest: `${f.dest}-json` },
        'b/report.txt',
        'mine, made meanwhile',
        true,
      );
      assert.equal(raced.code, 0, raced.stderr);
      for (const dest of [f.dest, `${f.dest}-json`]) {
        // Neither copy is lost: the old one stays until Box's new one can take its place.
        assert.equal(await read(dest, 'a/doc.txt'), 'v1', 'the old copy is kept');
        assert.equal(await read(dest, 'b/report.txt'), 'mine, made meanwhile');
        assert.ok((await recorded(dest)).includes('a/doc.txt'), 'the old copy is still recorded');
        assert.ok(
          !(await recorded(dest)).includes('b/report.txt'),
          "the file of yours is not recorded as Box's",
        );
      }
      assert.doesNotMatch(human.stdout, /moved and updated/);
      assert.match(
        human.stdout,
        /\nKept \(moved on Box to b\/report\.txt; a file of yours there was kept\): a\/doc\.txt\n/,
      );
      assert.match(human.stdout, /Updated .*: 1 moved on Box \(old copy kept\); 2 unchanged\./);
      const update = done(raced).update!;
      assert.deepEqual(update.movedAndUpdated, []);
      assert.deepEqual(update.movesKept, [{ from: 'a/doc.txt', to: 'b/report.txt', why: 'yours' }]);
      assert.deepEqual([update.removed, update.deletedOnBoxKept], [[], []]);
      // The file of yours gone, the next update tries again: Box's copy comes, and the old one goes with it.
      await fs.rm(path.join(f.dest, 'b/report.txt'));
      const next = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(next.movedAndUpdated, [{ from: 'a/doc.txt', to: 'b/report.txt' }]);
      assert.deepEqual(next.movesKept, []);
      assert.deepEqual(await diffTrees(f.box, f.dest), []);
    });

    it('a cancel in the middle leaves the destination and its state file as they were', async function () {
      const f = await movedAndChanged('v2 '.repeat(4000));
      await interruptedMidDownload(f);
      // The old copy is still what the last pull placed: the update then does exactly the same work.
      const update = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(update.movedAndUpdated, [{ from: 'a/doc.txt', to: 'b/report.txt' }]);
      await assert.rejects(fs.access(path.join(f.dest, 'a/doc.txt')));
      assert.deepEqual(await diffTrees(f.box, f.dest), []);
    });
  });

  describe('a folder moved on Box reads as one folder move', function () {
    /** A pulled copy of a folder with `a/` holding these files, with Box's ids recorded; then `a` renamed on Box. */
    async function renamedAfterPull(files: Record<string, string>) {
      const f = await fixture({ ...files, 'b.txt': 'b' });
      await pullOk(f.name, f.dest);
      await pullOk(f.name, f.dest); // the update fills in Box's ids
      await emulator.renameKeepingIds(`${f.name}/a`, `${f.name}/renamed`);
      return f;
    }

    it('renamed with 3 files (one in a folder below): one folder move, nothing downloaded, the files in place', async function () {
      const f = await renamedAfterPull({
        'a/one.txt': 'one',
        'a/two.txt': 'two',
        'a/sub/three.txt': 'three',
      });
      const { text, downloads, json } = await updateBoth(f);
      assert.match(text, /Updated .*: 1 folder moved \(3 files\); 1 unchanged\./);
      assert.match(text, /Moved folder: a → renamed \(3 files\)\n/);
      // The last line says what the update did: nothing was downloaded, so no "Pulled 3 files".
      assert.match(text, /\nNothing downloaded into .* in /);
      assert.doesNotMatch(text, /Pulled \d+ files/);
      // Said once: not as three files moved, two folders made and two deleted on Box.
      assert.doesNotMatch(text, /\d moved,|folders? made|deleted on Box|Kept/);
      assert.deepEqual(downloads, { zips: 0, contents: 0 });
      assert.equal(json.bytesDownloaded, 0);
      const update = json.update!;
      assert.deepEqual(update.folderMoves, [
        { from: 'a', to: 'renamed', files: 3, moved: 3, downloaded: 0, kept: false, left: [] },
      ]);
      // `moved` still lists every file moved, as it always has.
      assert.equal(update.moved.length, 3);
      for (const dest of [f.dest, `${f.dest}-json`]) {
        assert.equal(await read(dest, 'renamed/one.txt'), 'one');
        assert.equal(await read(dest, 'renamed/sub/three.txt'), 'three');
        await assert.rejects(fs.access(path.join(dest, 'a')), 'the old folder is gone');
        assert.deepEqual(await diffTrees(f.box, dest), []);
      }
      const next = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual([next.folderMoves, next.moved, next.foldersDeletedOnBoxKept], [[], [], []]);
    });

    it('renamed with a file edited here: the edit stays at its old path, the old folder stays, and the report says so', async function () {
      const f = await renamedAfterPull({ 'a/one.txt': 'one', 'a/two.txt': 'two', 'a/doc.txt': 'box copy' });
      await write(f.dest, 'a/doc.txt', 'my edit');
      const { text, downloads, json } = await updateBoth(f);
      assert.match(
        text,
        /Updated .*: 1 folder moved \(3 files\), 1 old folder kept \(still holding files\), 1 edited here \(kept\); 1 unchanged\./,
      );
      assert.match(text, /Moved folder: a → renamed \(3 files; 2 moved, 1 downloaded\)/);
      assert.match(text, /Kept \(folder moved on Box, still holds a\/doc\.txt\): a\n/);
      assert.doesNotMatch(text.split('\n')[0], /\d moved,|\d new|folders? made|deleted on Box/);
      assert.deepEqual(downloads, { zips: 0, contents: 1 }, "only Box's copy of the edited file");
      assert.deepEqual(json.update!.folderMoves, [
        { from: 'a', to: 'renamed', files: 3, moved: 2, downloaded: 1, kept: true, left: ['a/doc.txt'] },
      ]);
      for (const dest of [f.dest, `${f.dest}-json`]) {
        assert.equal(await read(dest, 'a/doc.txt'), 'my edit');
        assert.deepEqual(await fs.readdir(path.join(dest, 'a')), ['doc.txt']);
        assert.equal(await read(dest, 'renamed/doc.txt'), 'box copy');
        assert.equal(await read(dest, 'renamed/one.txt'), 'one');
      }
    });

    it('renamed with a file changed on Box (unedited here): still one folder move, that file downloaded, the old folder gone', async function () {
      const f = await renamedAfterPull({ 'a/one.txt': 'one', 'a/two.txt': 'two' });
      await write(f.box, 'renamed/two.txt', 'two, changed on Box');
      const { text, downloads, json } = await updateBoth(f);
      assert.match(text, /Updated .*: 1 folder moved \(2 files\); 1 unchanged\./);
      assert.match(text, /Moved folder: a → renamed \(2 files; 1 moved, 1 downloaded\)\n/);
      assert.doesNotMatch(text, /deleted on Box|Kept|folders? made/);
      assert.match(text, /\nDownloaded 1 file \(19 B\) into .* in /);
      assert.deepEqual(downloads, { zips: 0, contents: 1 });
      const update = json.update!;
      assert.deepEqual(update.folderMoves, [
        { from: 'a', to: 'renamed', files: 2, moved: 1, downloaded: 1, kept: false, left: [] },
      ]);
      assert.deepEqual(update.movedAndUpdated, [{ from: 'a/two.txt', to: 'renamed/two.txt' }]);
      assert.deepEqual(update.deletedOnBoxKept, []);
      for (const dest of [f.dest, `${f.dest}-json`]) {
        assert.deepEqual(await diffTrees(f.box, dest), [], "the old folder is gone, the new one is Box's");
      }
    });

    it("a file of the user's in the old folder keeps it, and is named", async function () {
      const f = await renamedAfterPull({ 'a/one.txt': 'one', 'a/two.txt': 'two' });
      await write(f.dest, 'a/mine.txt', 'never on Box');
      const update = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(update.folderMoves, [
        { from: 'a', to: 'renamed', files: 2, moved: 2, downloaded: 0, kept: true, left: ['a/mine.txt'] },
      ]);
      assert.equal(await read(f.dest, 'a/mine.txt'), 'never on Box');
      assert.equal(await read(f.dest, 'renamed/two.txt'), 'two');
    });

    it('--dry-run names the folder move and changes nothing', async function () {
      const f = await renamedAfterPull({
        'a/one.txt': 'one',
        'a/two.txt': 'two',
        'a/sub/three.txt': 'three',
      });
      const before = await snapshot(f.dest);
      const stats = counts();
      const run = await runCli(pullArgs(emulator, emulator.idForPath(f.name), f.dest, '--dry-run'));
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Would update .*: 1 folder moved \(3 files\); 1 unchanged\./);
      assert.match(run.stdout, /Move folder: a → renamed \(3 files\)\n/);
      assert.doesNotMatch(run.stdout, /Move: |Delete|folders? made/);
      assert.deepEqual(await snapshot(f.dest), before);
      assert.deepEqual(counts(), stats);
    });

    it('files of one folder moved to two places are no folder move: each file is reported as moved', async function () {
      const f = await fixture({ 'a/one.txt': 'one', 'a/two.txt': 'two', 'b.txt': 'b' });
      await pullOk(f.name, f.dest);
      await pullOk(f.name, f.dest);
      await emulator.renameKeepingIds(`${f.name}/a`, `${f.name}/x`);
      await emulator.renameKeepingIds(`${f.name}/x/two.txt`, `${f.name}/two.txt`);
      const update = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(update.folderMoves, []);
      assert.equal(update.moved.length, 2);
      assert.deepEqual(await diffTrees(f.box, f.dest), []);
    });
  });

  describe('a move on Box right after a first pull made as one ZIP (its state has no Box ids)', function () {
    const ids = async (dest: string) =>
      (
        JSON.parse(await fs.readFile(path.join(dest, '.box-pull.json'), 'utf8')) as {
          files: { id: unknown }[];
        }
      ).files.map((e) => e.id);

    it('a renamed folder is moved here by SHA-1 and size: no ZIP, no download, nothing left as deleted on Box', async function () {
      const f = await fixture({
        'a/one.txt': 'one',
        'a/sub/two.txt': 'two',
        'a/edited.txt': 'box copy',
        'b.txt': 'b',
      });
      const before0 = counts();
      await pullOk(f.name, f.dest);
      assert.equal(emulator.stats.zipCreates, before0.zips + 1, 'the first pull is one ZIP');
      assert.ok(
        (await ids(f.dest)).every((id) => id === null),
        'a one-ZIP pull records no ids',
      );
      await write(f.dest, 'a/edited.txt', 'my edit');
      await emulator.renameKeepingIds(`${f.name}/a`, `${f.name}/renamed`);
      const before = counts();
      const update = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(
        [...update.moved].sort((x, y) => x.from.localeCompare(y.from)),
        [
          { from: 'a/one.txt', to: 'renamed/one.txt' },
          { from: 'a/sub/two.txt', to: 'renamed/sub/two.txt' },
        ],
      );
      // The edited file is never moved over or lost: the edit stays where it was, Box's copy comes to the new path.
      assert.deepEqual(update.new, ['renamed/edited.txt']);
      assert.deepEqual(update.editedHere, ['a/edited.txt']);
      assert.deepEqual(update.deletedOnBoxKept, [], 'moved on Box, not deleted');
      assert.deepEqual(counts(), { zips: before.zips, contents: before.contents + 1 });
      assert.equal(await read(f.dest, 'a/edited.txt'), 'my edit');
      assert.equal(await read(f.dest, 'renamed/edited.txt'), 'box copy');
      assert.equal(await read(f.dest, 'renamed/sub/two.txt'), 'two');
      await assert.rejects(fs.access(path.join(f.dest, 'a/one.txt')));
      await assert.rejects(fs.access(path.join(f.dest, 'a/sub')), 'the emptied old folder is gone');
      // Moved without an edit: the whole tree is Box's, and the next update has nothing to do.
      await fs.rm(path.join(f.dest, 'a'), { recursive: true });
      assert.deepEqual(await diffTrees(f.box, f.dest), []);
      const again = counts();
      const next = (await pullOk(f.name, f.dest)).update!;
      assert.deepEqual(counts(), again);
      assert.deepEqual(next.deletedOnBoxKept, []);
    });

    it('two identical files renamed together are ambiguous: downloaded, never moved the wrong way', async function () {
      const f = await fixture({ 'a/x.txt': 'same bytes', 'a/y.txt': 'same bytes', 'a/z.txt': 'unique' });
      await pullOk(f.name, f.dest);
      await emulator.renameKeepingIds(`${f.name}/a/x.txt`, `${f.name}/a/x2.txt`);
      await emulator.renameKeepingIds(`${f.name}/a/y.txt`, `${f.name}/a/y2.txt`);
      await emulator.renameKeepingIds(`${f.name}/a/z.txt`, `${f.name}/a/z2.txt`);
      const before = counts();
      const update = (await pullOk(f.name, f.dest, '--delete')).update!;
      assert.deepEqual(update.moved, [{ from: 'a/z.txt', to: 'a/z2.txt' }]);
      assert.deepEqual([...update.new].sort(), ['a/x2.txt', 'a/y2.txt']);
      assert.deepEqual([...update.removed].sort(), ['a/x.txt', 'a/y.txt']);
      assert.deepEqual(counts(), { zips: before.zips, contents: before.contents + 2 });
      assert.deepEqual(await diffTrees(f.box, f.dest), []);
    });
  });

  it('--dry-run prints the plan and changes nothing', async function () {
    const f = await fixture({ 'a.txt': 'a', 'b.txt': 'b' });
    await pullOk(f.name, f.dest);
    await write(f.box, 'a.txt', 'a2');
    await fs.rm(path.join(f.box, 'b.txt'));
    const before = await snapshot(f.dest);
    const stats = counts();
    const run = await runCli(pullArgs(emulator, emulator.idForPath(f.name), f.dest, '--dry-run', '--delete'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Would update .*1 updated, 1 deleted on Box \(removed\)/);
    assert.match(run.stdout, /Download \(changed on Box\): a\.txt/);
    assert.match(run.stdout, /Delete \(deleted on Box\): b\.txt/);
    assert.deepEqual(await snapshot(f.dest), before);
    assert.deepEqual(counts(), stats);
  });

  it('--full pulls everything again', async function () {
    const f = await fixture({ 'a.txt': 'a' });
    await pullOk(f.name, f.dest);
    const before = counts();
    const report = await pullOk(f.name, f.dest, '--full', '--on-conflict', 'overwrite');
    assert.equal(report.update, undefined);
    // Downloaded again, but an identical local file is never a conflict: it is left as it is.
    assert.deepEqual(report.alreadyUpToDate, ['a.txt']);
    assert.equal(report.filesOverwritten, 0);
    assert.equal(emulator.stats.zipCreates, before.zips + 1);
  });

  it('--full over an identical copy still records every file, so the next update downloads nothing and adopts nothing', async function () {
    // Enough files that many are hashed at once: Node's listener-leak warning must not reach the terminal either.
    const names = Array.from({ length: 40 }, (_, i) => `d/f${String(i).padStart(2, '0')}.txt`);
    const f = await fixture(Object.fromEntries(names.map((name) => [name, name])));
    await pullOk(f.name, f.dest);
    const run = await pull(f.name, f.dest, '--full');
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /Warning/);
    assert.deepEqual(done(run).alreadyUpToDate, names);
    const state = JSON.parse(await read(f.dest, '.box-pull.json')) as { files: { path: string }[] };
    assert.deepEqual(state.files.map((file) => file.path).sort(), names);
    const before = counts();
    const report = await pullOk(f.name, f.dest);
    assert.deepEqual(counts(), before);
    assert.equal(report.update!.unchanged, names.length);
    assert.deepEqual(report.update!.adopted, []);
  });

  it('the root ("All Files") pulled again is an update too: nothing changed, no ZIP and no content download', async function () {
    const f = await fixture({ 'r.txt': 'r' });
    const dest = path.join(sandbox, 'root-dest');
    const first = await runCli(pullArgs(emulator, '0', dest, '--json'));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await read(dest, `${f.name}/r.txt`), 'r');
    const before = counts();
    const again = await runCli(pullArgs(emulator, '0', dest, '--json'));
    assert.equal(again.code, 0, again.stderr);
    const report = done(again);
    assert.deepEqual(counts(), before);
    assert.equal(report.bytesDownloaded, 0);
    assert.ok(report.update && report.update.unchanged > 0, JSON.stringify(report.update));
    assert.deepEqual(report.update.adopted, []);
  });

  it('a cancel in the middle of an update leaves the destination and its state file as they were', async function () {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`f${i}.txt`] = `v1 ${i} `.repeat(200);
    const f = await fixture(files);
    await pullOk(f.name, f.dest);
    for (let i = 0; i < 30; i++) await write(f.box, `f${i}.txt`, `v2 ${i} `.repeat(200));
    await write(f.dest, 'f0.txt', 'my edit');
    await interruptedMidDownload(f);
    // The state file still says what the last pull placed: the update then does exactly the same work.
    const update = (await pullOk(f.name, f.dest)).update!;
    assert.equal(update.updated.length, 29);
    assert.deepEqual(update.conflicts, ['f0.txt']);
    assert.equal(await read(f.dest, 'f0.txt'), 'my edit');
  });
});
