import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { makeTree } from '../../helpers/tree';
import {
  CLI,
  pullArgs,
  requireBuiltCli,
  snapshot,
  spawnInTerminal,
  type TerminalRun,
  watch,
} from './support';

describe('box-pull CLI: SIGTERM and SIGHUP cancel like Ctrl-C', function () {
  let sandbox: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let args: (dest: string) => string[];
  // Killed after each test, so a CLI that ignores a signal fails its test instead of keeping mocha alive.
  const started: TerminalRun[] = [];

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-cli-signals-'));
    const root = path.join(sandbox, 'account');
    await makeTree(path.join(root, 'Reports'), {
      seed: 5,
      files: 40,
      maxDepth: 2,
      minSize: 1_000,
      maxSize: 20_000,
    });
    await fs.writeFile(path.join(root, 'Reports', 'a.txt'), 'from Box');
    emulator = await startEmulator({ root });
    const id = emulator.idForPath('Reports');
    args = (dest) => pullArgs(emulator, id, dest);
  });

  afterEach(function () {
    for (const run of started.splice(0)) run.kill();
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it('Ctrl-C, SIGTERM and SIGHUP at the conflict question: exit 130 at once, the destination unchanged', async function () {
    let available = process.platform === 'linux';
    let detail: unknown = 'a pseudo-terminal through util-linux script (Linux)';
    try {
      if (available) execFileSync('script', ['--version'], { stdio: 'pipe' });
    } catch (error) {
      available = false;
      detail = error;
    }
    requirePrerequisite(this, available, 'util-linux script', detail);
    for (const cancel of ['SIGTERM', 'SIGHUP', 'Ctrl-C'] as const) {
      const dest = path.join(sandbox, `ask-${cancel}`);
      await fs.mkdir(dest);
      await fs.writeFile(path.join(dest, 'a.txt'), 'mine');
      const before = await snapshot(dest);
      const run = spawnInTerminal([...args(dest), '--on-conflict', 'ask']);
      started.push(run);
      const pid = await run.pid();
      await run.waitFor(/a\.txt differs\. [^]*\[c\] Cancel: $/);
      // Ctrl-C is a keystroke here: readline holds the terminal in raw mode, so no SIGINT is sent for it.
      if (cancel === 'Ctrl-C') run.child.stdin!.write('\x03');
      else process.kill(pid, cancel);
      assert.equal(await run.exitCode, 130, `${cancel}: ${run.output()}`);
      assert.match(run.output(), /Cancelled/);
      assert.deepEqual(await snapshot(dest), before, cancel);
    }
  });

  it('SIGHUP while downloading: exit 130, no staging folder left, nothing created', async function () {
    const dest = path.join(sandbox, 'hangup', 'deep');
    emulator.faults.bytesPerSecond = 20_000;
    const child = spawn(process.execPath, [CLI, ...args(dest), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = watch(child);
    started.push(run);
    try {
      await run.waitFor(/^(?=.*"phase":"downloading")(?=.*"bytesDownloaded":[1-9]).*$/m);
      child.kill('SIGHUP');
      assert.equal(await run.exitCode, 130, run.output());
      assert.match(run.output(), /"event":"error","kind":"cancelled"/);
    } finally {
      emulator.faults.bytesPerSecond = undefined;
    }
    await assert.rejects(
      fs.access(path.join(sandbox, 'hangup')),
      'the folders the pull created are removed again',
    );
  });
});
