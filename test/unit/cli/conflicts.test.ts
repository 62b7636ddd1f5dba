// `--on-conflict ask` in a terminal against the emulator: a local file identical to Box's is never asked about.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { STATE_FILE } from '../../../src/core/state/pullState';
import { requireBuiltCli, snapshot, spawnInTerminal, type TerminalRun } from './support';

describe('box-pull CLI: identical files are not conflicts', function () {
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

  it('asks only about the file that differs, and reports the identical one as already up to date', async () => {
    const dest = path.join(sandbox, 'dest');
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, 'same.txt'), 'same bytes');
    await fs.writeFile(path.join(dest, 'other.txt'), 'mine');
    const id = emulator.idForPath('Docs');
    const run = spawnInTerminal([
      ...['pull', id, '--dest', dest, '--api-url', emulator.baseUrl, '--token', emulator.token],
      ...['--on-conflict', 'ask'],
    ]);
    started.push(run);
    await run.waitFor(/exists\. Overwrite\?/);
    run.child.stdin!.write('n\r');
    // Fails at once (instead of hanging on a question) if the identical file is asked about too.
    const asked = run.waitFor(/same\.txt exists/).then(
      () => 'asked about same.txt',
      () => undefined,
    );
    const ended = await Promise.race([run.exitCode, asked]);
    assert.equal(ended, 0, run.output());
    const prompts = run.output().match(/exists\. Overwrite\?/g) ?? [];
    assert.equal(prompts.length, 1, run.output());
    assert.doesNotMatch(run.output(), /same\.txt exists/);
    assert.match(run.output(), /1 existing files already up to date/);
    const { [STATE_FILE]: state, ...files } = await snapshot(dest);
    assert.ok(state, 'the pull recorded its state file');
    assert.deepEqual(files, { 'other.txt': 'mine', 'same.txt': 'same bytes' });
  });
});
