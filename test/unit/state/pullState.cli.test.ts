// The state file a pull leaves in its destination (core/state/pullState.ts), through the CLI against the emulator.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { jsonPullArgs, requireBuiltCli, runCli } from '../cli/support';
import type { PullState } from '../../../src/core/state/pullState';

describe('box-pull CLI: the state file .box-pull.json', function () {
  this.timeout(120_000);
  let sandbox: string;
  let root: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-state-'));
    root = path.join(sandbox, 'account');
    await makeTree(path.join(root, 'Docs'), { seed: 3, files: 12, maxDepth: 2, minSize: 0, maxSize: 3000 });
    await fs.mkdir(path.join(root, 'Clash'));
    await fs.writeFile(path.join(root, 'Clash', 'a.txt'), 'a');
    await fs.writeFile(path.join(root, 'Clash', '.box-pull.json'), '{"version":1,"folderId":"evil"}');
    emulator = await startEmulator({ root });
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  const pullArgs = (folder: string, dest: string, ...extra: string[]) =>
    jsonPullArgs(emulator, folder, dest, ...extra);

  async function readState(dest: string): Promise<PullState> {
    return JSON.parse(await fs.readFile(path.join(dest, '.box-pull.json'), 'utf8')) as PullState;
  }

  async function checkEntries(dest: string, state: PullState, withIds: boolean): Promise<void> {
    const source = path.join(root, 'Docs');
    assert.deepEqual(await diffTrees(source, dest), []);
    assert.equal(state.files.length, 12);
    for (const entry of state.files) {
      assert.ok(!path.isAbsolute(entry.path) && !entry.path.includes('\\'), entry.path);
      const local = path.join(dest, ...entry.path.split('/'));
      const bytes = await fs.readFile(local);
      const stat = await fs.stat(local);
      assert.equal(entry.sha1, createHash('sha1').update(bytes).digest('hex'), entry.path);
      assert.equal(entry.size, bytes.length);
      assert.equal(entry.localSize, stat.size);
      assert.equal(entry.localMtimeMs, stat.mtimeMs);
      assert.equal(entry.id, withIds ? emulator.idForPath(`Docs/${entry.path}`) : null);
    }
  }

  it('a one-ZIP pull records every placed file: path, SHA-1, size, local size and time', async function () {
    const dest = path.join(sandbox, 'fast');
    const run = await runCli(pullArgs('Docs', dest));
    assert.equal(run.code, 0, run.stderr);
    const state = await readState(dest);
    assert.equal(state.version, 1);
    assert.equal(state.folderId, emulator.idForPath('Docs'));
    assert.equal(state.apiOrigin, new URL(emulator.baseUrl).origin);
    await checkEntries(dest, state, false);
  });

  it('a listed (planned) pull records Box ids too', async function () {
    emulator.faults.maxZipFiles = 5;
    try {
      const dest = path.join(sandbox, 'planned');
      const run = await runCli(pullArgs('Docs', dest));
      assert.equal(run.code, 0, run.stderr);
      await checkEntries(dest, await readState(dest), true);
    } finally {
      emulator.faults.maxZipFiles = 10_000;
    }
  });

  it('the state file keeps working when the destination is moved', async function () {
    const dest = path.join(sandbox, 'before-move');
    assert.equal((await runCli(pullArgs('Docs', dest))).code, 0);
    const moved = path.join(sandbox, 'after-move');
    await fs.rename(dest, moved);
    await checkEntries(moved, await readState(moved), false);
  });

  for (const planned of [false, true]) {
    it(`a Box file named .box-pull.json is never written over the state file (${planned ? 'planned' : 'one ZIP'})`, async function () {
      if (planned) emulator.faults.maxZipFiles = 1;
      try {
        const dest = path.join(sandbox, `clash-${planned}`);
        const run = await runCli(pullArgs('Clash', dest));
        assert.equal(run.code, 0, run.stderr);
        const state = await readState(dest);
        assert.equal(state.folderId, emulator.idForPath('Clash'));
        assert.deepEqual(
          state.files.map((f) => f.path),
          ['a.txt'],
        );
        const done = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { reserved?: string[] };
        assert.deepEqual(done.reserved, ['.box-pull.json']);
      } finally {
        emulator.faults.maxZipFiles = 10_000;
      }
    });
  }
});
