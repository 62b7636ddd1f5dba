import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { CLI, pullArgs, requireBuiltCli, runCli } from '../cli/support';

describe('box-pull CLI (dist/cli.js)', function () {
  let sandbox: string;
  let root: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-cli-'));
    root = path.join(sandbox, 'account');
    await makeTree(path.join(root, 'Reports'), {
      seed: 3,
      files: 120,
      maxDepth: 3,
      minSize: 0,
      maxSize: 10_000,
      emptyFolders: 1,
    });
    emulator = await startEmulator({ root });
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it('pulls a folder by id and reproduces it exactly (exit 0)', async function () {
    const dest = path.join(sandbox, 'by-id');
    const id = emulator.idForPath('Reports');
    const run = await runCli(pullArgs(emulator, id, dest));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Pulled 120 files/);
    assert.deepEqual(await diffTrees(path.join(root, 'Reports'), dest), []);
  });

  it('takes a Box folder URL and the token from BOX_TOKEN, and prints JSON events', async function () {
    const dest = path.join(sandbox, 'by-url');
    const url = `https://app.box.com/folder/${emulator.idForPath('Reports')}`;
    const run = await runCli(['pull', url, '--dest', dest, '--api-url', emulator.baseUrl, '--json'], {
      BOX_TOKEN: emulator.token,
    });
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; filesWritten?: number });
    assert.equal(events.at(-1)?.event, 'done');
    assert.equal(events.at(-1)?.filesWritten, 120);
    assert.ok(events.some((e) => e.event === 'progress'));
    assert.ok(!run.stdout.includes(emulator.token), 'the token never reaches the output');
  });

  it('exits 1 with a one-line reason when the folder does not exist', async function () {
    const run = await runCli(pullArgs(emulator, '123456789', path.join(sandbox, 'nope')));
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    // The extension's words (core/failureText), not the raw answer; that is in --json's detail.
    assert.equal(run.stderr, 'box-pull: This folder no longer exists on Box, or you lost access to it.\n');
    const json = await runCli([...pullArgs(emulator, '123456789', path.join(sandbox, 'nope')), '--json']);
    const event = JSON.parse(json.stdout.trim().split('\n').pop()!) as Record<string, string>;
    assert.equal(event.message, 'This folder no longer exists on Box, or you lost access to it.');
    assert.match(event.detail, /404 not_found for GET \/2\.0\/folders\/123456789.*request id/);
  });

  it('exits 1 and says so when the token is refused', async function () {
    const run = await runCli(
      pullArgs(
        { baseUrl: emulator.baseUrl, token: 'wrong-token' },
        emulator.idForPath('Reports'),
        path.join(sandbox, 'denied'),
      ),
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /sign in/i);
    assert.ok(!run.stderr.includes('wrong-token'));
  });

  it('killed with SIGKILL mid-download: nothing under a final name, and the next pull cleans up and completes', async function () {
    const dest = path.join(sandbox, 'killed');
    const id = emulator.idForPath('Reports');
    const args = pullArgs(emulator, id, dest);
    emulator.faults.bytesPerSecond = 50_000;
    try {
      const child = spawn(process.execPath, [CLI, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      // Killed once bytes are flowing: the staging folder exists and holds part of the archive.
      await new Promise<void>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            const event = JSON.parse(line) as { phase?: string; bytesDownloaded?: number };
            if (event.phase === 'downloading' && (event.bytesDownloaded ?? 0) > 0) resolve();
          }
        });
        child.on('exit', () => reject(new Error('the pull ended before it was killed')));
      });
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
    } finally {
      emulator.faults.bytesPerSecond = undefined;
    }
    const left = await fs.readdir(dest);
    assert.equal(left.length, 1, `only the staging folder: ${left.join(', ')}`);
    assert.match(left[0], /^\.box-pull-staging-/);
    assert.ok((await fs.readdir(path.join(dest, left[0]))).includes('owner.json'));

    const run = await runCli(args);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(
      run.stdout.includes(`Removed ${path.join(dest, left[0])}, left behind by a pull that was interrupted.`),
      `the user is told what was cleaned:\n${run.stdout}`,
    );
    assert.deepEqual(await diffTrees(path.join(root, 'Reports'), dest), []);
    assert.deepEqual(
      (await fs.readdir(dest)).filter((name) => name.startsWith('.box-pull-staging-')),
      [],
      "the killed pull's staging folder is removed",
    );
  });

  it('exits 2 on usage errors', async function () {
    for (const args of [
      ['pull'],
      ['pull', 'not a folder', '--dest', 'x', '--token', 't'],
      ['fetch', '1'],
      ['pull', '1', '--token', 't'],
      ['pull', '1', '--dest', 'x', '--token', 't', '--on-conflict', 'maybe'],
    ]) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')} → ${run.code}: ${run.stderr}`);
      assert.match(run.stderr, /Usage: box-pull pull/);
    }
  });
});
