// `--on-conflict ask` in a terminal against the emulator: the true conflicts are asked about before the download
// (Take Box's / Keep mine / … to all / Cancel), and a local file identical to Box's is never asked about.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { writeWithOwnTime } from '../../helpers/ownTime';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { STATE_FILE } from '../../../src/core/state/pullState';
import { pullArgs, requireBuiltCli, snapshot, spawnInTerminal, type TerminalRun } from './support';

describe('box-pull CLI: conflicts asked before the download', function () {
  let sandbox: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  const started: TerminalRun[] = [];

  before(async function () {
    let available = process.platform === 'linux';
    try {
      if (available) execFileSync('script', ['--version'], { stdio: 'pipe' });
    } catch {
      available = false;
    }
    requirePrerequisite(this, available, 'util-linux script', 'a pseudo-terminal (Linux)');
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-cli-conflicts-'));
    const box = path.join(sandbox, 'account', 'Docs');
    await fs.mkdir(box, { recursive: true });
    await fs.writeFile(path.join(box, 'same.txt'), 'same bytes');
    await fs.writeFile(path.join(box, 'other.txt'), 'from Box');
    emulator = await startEmulator({ root: path.join(sandbox, 'account') });
  });

  afterEach(() => {
    for (const run of started.splice(0)) run.kill();
  });

  after(async () => {
    await emulator?.close();
    if (sandbox) await fs.rm(sandbox, { recursive: true, force: true });
  });

  const counts = () => ({ zips: emulator.stats.zipCreates, contents: emulator.stats.fileContentDownloads });

  function askPull(dest: string): TerminalRun {
    const id = emulator.idForPath('Docs');
    const run = spawnInTerminal([...pullArgs(emulator, id, dest), ...['--on-conflict', 'ask']]);
    started.push(run);
    return run;
  }

  async function prefilled(name: string): Promise<string> {
    const dest = path.join(sandbox, name);
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, 'same.txt'), 'same bytes');
    await fs.writeFile(path.join(dest, 'other.txt'), 'mine');
    return dest;
  }

  it('asks before the download, only about the file that differs, with both sizes and dates; Keep mine downloads nothing', async () => {
    const dest = await prefilled('dest-keep');
    const before = counts();
    const run = askPull(dest);
    await run.waitFor(/\[c\] Cancel: $/);
    // Asked before a byte was downloaded, with Box's and the local size and date.
    assert.deepEqual(counts(), before, 'nothing downloaded before the question');
    assert.match(
      run.output(),
      /other\.txt differs\. Box's: 8 B, \d{4}-\d\d-\d\d \d\d:\d\d UTC · yours: 4 B, \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    assert.match(
      run.output(),
      /\[t\] Take Box's, \[k\] Keep mine \(Enter\), \[T\] Take Box's to all, \[K\] Keep mine to all, \[c\] Cancel/,
    );
    run.child.stdin!.write('\r'); // Enter: the safe choice
    // Fails at once (instead of hanging on a question) if the identical file is asked about too.
    const asked = run.waitFor(/same\.txt differs/).then(
      () => 'asked about same.txt',
      () => undefined,
    );
    const ended = await Promise.race([run.exitCode, asked]);
    assert.equal(ended, 0, run.output());
    assert.equal(run.output().match(/differs\. Box's/g)?.length, 1, run.output());
    assert.doesNotMatch(run.output(), /exists\. Overwrite\?/);
    assert.match(run.output(), /1 already here, 1 changed on both sides/);
    assert.match(run.output(), /Conflict kept as it is here: other\.txt/);
    assert.deepEqual(counts(), before, 'the kept file was never downloaded; the identical one neither');
    const { [STATE_FILE]: state, ...files } = await snapshot(dest);
    assert.deepEqual(files, { 'other.txt': 'mine', 'same.txt': 'same bytes' });
    // The identical file is adopted (recorded); the kept one is not, so the next update asks again.
    assert.deepEqual(
      (JSON.parse(state) as { files: { path: string }[] }).files.map((e) => e.path),
      ['same.txt'],
    );
  });

  it("Take Box's downloads that file alone, by content", async () => {
    const dest = await prefilled('dest-take');
    const before = counts();
    const run = askPull(dest);
    await run.waitFor(/\[c\] Cancel: $/);
    run.child.stdin!.write('t\r');
    assert.equal(await run.exitCode, 0, run.output());
    assert.deepEqual(counts(), { zips: before.zips, contents: before.contents + 1 });
    const { [STATE_FILE]: state, ...files } = await snapshot(dest);
    assert.deepEqual(files, { 'other.txt': 'from Box', 'same.txt': 'same bytes' });
    assert.deepEqual(
      (JSON.parse(state) as { files: { path: string }[] }).files.map((e) => e.path),
      ['other.txt', 'same.txt'],
    );
  });

  it('Cancel at the question ends the pull: the destination and its state file stay byte-identical', async () => {
    const dest = await prefilled('dest-cancel');
    const first = askPull(dest);
    await first.waitFor(/\[c\] Cancel: $/);
    first.child.stdin!.write('k\r');
    assert.equal(await first.exitCode, 0, first.output());
    const before = await snapshot(dest);
    assert.ok(before[STATE_FILE], 'the first pull left a state file');
    const stats = counts();
    const run = askPull(dest);
    await run.waitFor(/\[c\] Cancel: $/);
    run.child.stdin!.write('c\r');
    assert.equal(await run.exitCode, 130, run.output());
    assert.match(run.output(), /Cancelled\. The destination is as it was\./);
    assert.deepEqual(await snapshot(dest), before);
    assert.deepEqual(counts(), stats, 'nothing downloaded');
  });

  it("a file changed on both sides since the last pull, under ask: Take Box's to all answers the rest", async () => {
    const box = path.join(sandbox, 'account', 'Both');
    const dest = path.join(sandbox, 'dest-both');
    const write = writeWithOwnTime;
    await write(box, 'b.txt', 'v1');
    await write(box, 'c.txt', 'c1');
    const id = emulator.idForPath('Both');
    const args = pullArgs(emulator, id, dest);
    const first = spawnInTerminal(args);
    started.push(first);
    assert.equal(await first.exitCode, 0, first.output());
    await write(box, 'b.txt', 'box v2');
    await write(box, 'c.txt', 'box c2');
    await write(dest, 'b.txt', 'my v2');
    await write(dest, 'c.txt', 'my c2');
    const before = counts();
    const run = spawnInTerminal([...args, '--on-conflict', 'ask']);
    started.push(run);
    await run.waitFor(/b\.txt differs\. Box's: 6 B.* · yours: 5 B[^]*\[c\] Cancel: $/);
    assert.deepEqual(counts(), before, 'asked before the download');
    run.child.stdin!.write('T\r');
    assert.equal(await run.exitCode, 0, run.output());
    assert.doesNotMatch(run.output(), /c\.txt differs/);
    assert.match(run.output(), /2 changed on both sides/);
    assert.deepEqual(counts(), { zips: before.zips, contents: before.contents + 2 });
    const { [STATE_FILE]: _state, ...files } = await snapshot(dest);
    assert.deepEqual(files, { 'b.txt': 'box v2', 'c.txt': 'box c2' });
  });

  it('a listed pull (filters) asks before the download too: a kept file is not downloaded', async () => {
    const dest = await prefilled('dest-listed');
    const before = counts();
    const id = emulator.idForPath('Docs');
    const run = spawnInTerminal([
      ...pullArgs(emulator, id, dest),
      ...['--full', '--exclude', '*.skip', '--on-conflict', 'ask'],
    ]);
    started.push(run);
    await run.waitFor(/other\.txt differs\. Box's: 8 B[^]*\[c\] Cancel: $/);
    assert.deepEqual(counts(), before, 'asked before the download');
    run.child.stdin!.write('k\r');
    assert.equal(await run.exitCode, 0, run.output());
    // The other file is identical: with the kept one left out, there is nothing to download at all.
    assert.deepEqual(counts(), before);
    assert.match(run.output(), /1 existing files already up to date/);
    assert.match(run.output(), /Kept 1 existing files \(yours\)/);
    assert.deepEqual(await snapshot(dest), { 'other.txt': 'mine', 'same.txt': 'same bytes' });
  });
});
