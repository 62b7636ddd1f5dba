import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../../../src/emulator/index';
import { CLI, requireBuiltCli } from './support';

const execFileAsync = promisify(execFile);

// What a run loads is start-up CPU, and an update of nothing is mostly start-up: the CLI takes only the parts of
// undici it uses (esbuild.mjs). undici's index would also load Node's own fetch, through `globalThis.Headers`.
describe('box-pull CLI: start-up', function () {
  let sandbox: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-cli-startup-'));
    await fs.mkdir(path.join(sandbox, 'account', 'Reports'), { recursive: true });
    await fs.writeFile(path.join(sandbox, 'account', 'Reports', 'a.txt'), 'from Box');
    emulator = await startEmulator({ root: path.join(sandbox, 'account') });
    // Run before the CLI's code: lists, when the process ends, the built-in modules it loaded.
    await fs.writeFile(
      path.join(sandbox, 'loaded.js'),
      "process.on('exit', () => process.stderr.write(`loaded: ${JSON.stringify(process.moduleLoadList)}\\n`));",
    );
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it("pulls (and updates) without loading Node's internal fetch", async function () {
    const dest = path.join(sandbox, 'dest');
    const args = ['-r', path.join(sandbox, 'loaded.js'), CLI, 'pull', emulator.idForPath('Reports')];
    const env = { PATH: process.env.PATH, BOX_TOKEN: emulator.token };
    for (const run of ['first pull', 'update']) {
      const { stderr } = await execFileAsync(
        process.execPath,
        [...args, '--dest', dest, '--api-url', emulator.baseUrl, '--quiet'],
        { env },
      );
      const loaded = JSON.parse(/^loaded: (.*)$/m.exec(stderr)![1]) as string[];
      assert.deepEqual(
        loaded.filter((name) => name.includes('undici')),
        [],
        run,
      );
      assert.equal(await fs.readFile(path.join(dest, 'a.txt'), 'utf8'), 'from Box', run);
    }
  });
});
