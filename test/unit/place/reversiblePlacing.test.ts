// Placing is reversible until it ends (issue #11, defect 6): a cancel, a failure or a SIGKILL in the middle of the
// moves, at a chosen move (one move at a time, so the point is exact), leaves the destination as it was; after a
// SIGKILL the next pull's clean-up finishes the undo from the journal, and never drops an original it could not
// put back.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { placeFiles } from '../../../src/core/place/placement';
import { removeAbandonedStagingDirs } from '../../../src/core/place/staging';
import { buildZip } from '../../helpers/zipBuilder';
import { makeSandbox, snapshot, stagedArchive, type Sandbox } from '../extract/sandbox';

const NEW_FILES = Array.from({ length: 10 }, (_, i) => `n${i}.txt`);
/** Later in the archive than the new files, so that these are placed first (one move at a time). */
const CONFLICTS = ['a.txt', 'link.txt', 'sub/b.txt'];

describe('placing is reversible until it ends', function () {
  let sandbox: Sandbox;

  beforeEach(async function () {
    sandbox = await makeSandbox();
    const plant = (name: string, content: string): void => {
      fs.mkdirSync(path.dirname(path.join(sandbox.dest, name)), { recursive: true });
      fs.writeFileSync(path.join(sandbox.dest, name), content);
    };
    plant('a.txt', 'old a');
    plant('sub/b.txt', 'old b');
    plant('mine.txt', 'mine');
    // A link where a file goes is a conflict whose original is the link itself (kept by a move, not a hard link).
    fs.symlinkSync('../elsewhere/target.txt', path.join(sandbox.dest, 'link.txt'));
    fs.writeFileSync(
      sandbox.zipPath,
      buildZip([
        ...NEW_FILES.map((name) => ({ name: `Top/${name}`, data: `new ${name}` })),
        { name: 'Top/fresh/deep/c.txt', data: 'c' },
        ...CONFLICTS.map((name) => ({ name: `Top/${name}`, data: `from Box ${name}` })),
      ]),
    );
  });

  afterEach(async function () {
    await sandbox.cleanup();
  });

  const staged = () => stagedArchive(sandbox, 'Top');

  /** Calls `then` at the `count`-th overwrite of the move phase (isProtected is asked again right before it). */
  function atOverwrite(count: number, then: () => void): (absolutePath: string) => boolean {
    const asked = new Set<string>();
    let overwrites = 0;
    return (absolutePath) => {
      if (asked.has(absolutePath) && ++overwrites === count) then();
      asked.add(absolutePath);
      return false;
    };
  }

  for (const how of ['a cancel', 'a failure'] as const) {
    it(`${how} at the second overwrite: every move is undone, the destination is as it was`, async function () {
      const before = await snapshot(sandbox.dest);
      const { files, extracted } = await staged();
      const controller = new AbortController();
      const failure = new Error('the disk went away');
      const error = await placeFiles(files, extracted, sandbox.dest, {
        policy: 'overwrite',
        concurrency: 1,
        signal: controller.signal,
        isProtected: atOverwrite(2, () => {
          if (how === 'a cancel') controller.abort();
          else throw failure;
        }),
      }).then(
        () => assert.fail('placing finished'),
        (caught: unknown) => caught as Error & { filesUndone?: number; destinationRestored?: boolean },
      );
      if (how === 'a cancel') assert.equal(error.name, 'AbortError');
      else assert.match(error.message, /the disk went away/);
      assert.equal(error.destinationRestored, true);
      assert.ok((error.filesUndone ?? 0) >= NEW_FILES.length + 1, `${error.filesUndone} files taken back`);
      assert.deepEqual(await snapshot(sandbox.dest), before);
    });
  }

  /** Runs placing in a child process that SIGKILLs itself at the second overwrite. */
  async function placeAndKill(): Promise<void> {
    const src = path.resolve(__dirname, '../../../src/core');
    const script = `
      const fs = require('node:fs'), path = require('node:path');
      const { placeFiles } = require(${JSON.stringify(`${src}/place/placement.js`)});
      const { createStagingDir } = require(${JSON.stringify(`${src}/place/staging.js`)});
      const { extractZip } = require(${JSON.stringify(`${src}/extract/extractor.js`)});
      const [dest, zip] = process.argv.slice(1);
      (async () => {
        const files = path.join(await createStagingDir(dest), 'files');
        fs.mkdirSync(files);
        const extracted = await extractZip(zip, files, { stripTopLevelFolder: 'Top' });
        const asked = new Set();
        let overwrites = 0;
        await placeFiles(files, extracted, dest, { policy: 'overwrite', concurrency: 1, isProtected: (p) => {
          if (asked.has(p) && ++overwrites === 2) process.kill(process.pid, 'SIGKILL');
          asked.add(p);
          return false;
        } });
      })();`;
    const child = spawn(process.execPath, ['-e', script, sandbox.dest, sandbox.zipPath], {
      stdio: 'inherit',
    });
    const signal = await new Promise((resolve) => child.on('exit', (_code, killedBy) => resolve(killedBy)));
    assert.equal(signal, 'SIGKILL');
  }

  it('a SIGKILL at the second overwrite: the next clean-up finishes the undo from the journal', async function () {
    const before = await snapshot(sandbox.dest);
    await placeAndKill();
    assert.notDeepEqual(await snapshot(sandbox.dest), before, 'the kill came in the middle of the moves');
    const [staging] = fs.readdirSync(sandbox.dest).filter((name) => name.startsWith('.box-pull-staging-'));
    assert.deepEqual(await removeAbandonedStagingDirs(sandbox.dest), [path.join(sandbox.dest, staging)]);
    assert.deepEqual(await snapshot(sandbox.dest), before);
  });

  it('an original that cannot go back (another file took its place) is kept with the staging folder', async function () {
    await placeAndKill();
    // Someone replaces the file the killed pull had put at a.txt: that one is not ours to remove.
    fs.rmSync(path.join(sandbox.dest, 'a.txt'));
    fs.writeFileSync(path.join(sandbox.dest, 'a.txt'), 'written after the kill');
    assert.deepEqual(await removeAbandonedStagingDirs(sandbox.dest), []);
    const [staging] = fs.readdirSync(sandbox.dest).filter((name) => name.startsWith('.box-pull-staging-'));
    const backups = path.join(sandbox.dest, staging, 'backups');
    const kept = fs.readdirSync(backups).map((name) => fs.readFileSync(path.join(backups, name), 'utf8'));
    assert.deepEqual(kept, ['old a']);
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'a.txt'), 'utf8'), 'written after the kill');
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'sub', 'b.txt'), 'utf8'), 'old b');
    assert.equal(fs.readdirSync(sandbox.dest).filter((name) => name.startsWith('n')).length, 0);
  });
});
