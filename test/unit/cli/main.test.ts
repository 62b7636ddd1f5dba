import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { pullArgs, requireBuiltCli, runCli } from './support';

describe('box-pull CLI: what it says when something is wrong', function () {
  let sandbox: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let pullInto: (dest: string, ...extra: string[]) => ReturnType<typeof runCli>;

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-cli-says-'));
    await fs.mkdir(path.join(sandbox, 'account', 'Reports'), { recursive: true });
    await fs.writeFile(path.join(sandbox, 'account', 'Reports', 'a.txt'), 'from Box');
    emulator = await startEmulator({ root: path.join(sandbox, 'account') });
    const id = emulator.idForPath('Reports');
    pullInto = (dest, ...extra) => runCli(pullArgs(emulator, id, dest, ...extra));
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  it('a dangling symbolic link as --dest: says so, not "ENOENT … mkdir"', async function () {
    const link = path.join(sandbox, 'dangling');
    await fs.symlink(path.join(sandbox, 'nowhere', 'deep'), link);
    for (const dest of [link, path.join(link, 'sub')]) {
      const run = await pullInto(dest);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /dangling is a symbolic link to .*nowhere.deep, which does not exist/);
      assert.doesNotMatch(run.stderr, /ENOENT|mkdir/);
    }
    assert.equal(
      existsSync(path.join(sandbox, 'nowhere')),
      false,
      'the link is not followed to create folders',
    );
  });

  it('a file as --dest, or under it: says it is a file', async function () {
    const file = path.join(sandbox, 'plain-file');
    await fs.writeFile(file, 'x');
    for (const dest of [file, path.join(file, 'sub')]) {
      const run = await pullInto(dest);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /plain-file is a file, not a folder/);
    }
  });

  it('a folder under /proc: says the file system stores nothing, not "Not enough free space" (nor hangs)', async function () {
    if (process.platform !== 'linux') this.skip();
    // /proc/self exists; the second does not (Node 20's recursive mkdir never returns there).
    for (const dest of ['/proc/self', '/proc/box-pull-test-missing']) {
      const run = await pullInto(dest, '--json');
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^box-pull: \/proc\S* is on a file system with no storage/);
      assert.doesNotMatch(run.stderr, /free space/);
      const error = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { kind: string };
      assert.equal(error.kind, 'destination');
    }
  });

  it("a server's error message that echoes the token: redacted on stderr and in the --json error", async function () {
    const token = 'hostile-echo-token-8c1f';
    const server = http.createServer((request, response) => {
      const echoed = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          type: 'error',
          status: 400,
          code: 'bad_request',
          message: `The credential ${echoed} cannot be used for this request`,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const json of [[], ['--json']]) {
        const dest = path.join(sandbox, 'hostile');
        const run = await runCli(['pull', '12345', '--dest', dest, '--api-url', apiUrl, ...json], {
          BOX_TOKEN: token,
        });
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /cannot be used for this request/, 'the message itself still shows');
        assert.ok(!run.stderr.includes(token), run.stderr);
        assert.ok(!run.stdout.includes(token), run.stdout);
        if (json.length) assert.match(run.stdout, /"event":"error".*cannot be used/);
      }
    } finally {
      server.close();
    }
  });

  it('exits 2 for an --api-url that is not http(s), and for a token with a line break', async function () {
    const dest = path.join(sandbox, 'usage');
    const ftp = await runCli([
      'pull',
      '1',
      '--dest',
      dest,
      '--token',
      'tok1',
      '--api-url',
      'ftp://box.example',
    ]);
    assert.equal(ftp.code, 2, ftp.stderr);
    assert.match(ftp.stderr, /--api-url must be an http:\/\/ or https:\/\/ URL/);
    for (const token of ['tok1\n', 'tok1\r\n', 'to\rk1']) {
      const run = await runCli(['pull', '1', '--dest', dest, '--api-url', emulator.baseUrl], {
        BOX_TOKEN: token,
      });
      assert.equal(run.code, 2, `${JSON.stringify(token)}: ${run.stderr}`);
      assert.match(run.stderr, /token has a line break/);
    }
    assert.equal(existsSync(dest), false);
  });

  it('exits 2 for a plain http:// address off this machine, from --api-url or BOX_API_URL; loopback is fine', async function () {
    const dest = path.join(sandbox, 'plain-http');
    const reason =
      /^box-pull: Refusing http:\/\/box\.example\/?: plain http:\/\/ is allowed only for loopback addresses \(127\.0\.0\.1, ::1, localhost\); use https:\/\/\.$/m;
    const flag = await runCli([
      'pull',
      '1',
      '--dest',
      dest,
      '--token',
      'tok1',
      '--api-url',
      'http://box.example',
    ]);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, reason);
    const fromEnv = await runCli(['pull', '1', '--dest', dest], {
      BOX_TOKEN: 'tok1',
      BOX_API_URL: 'http://box.example',
    });
    assert.equal(fromEnv.code, 2, fromEnv.stderr);
    assert.match(fromEnv.stderr, reason);
    assert.equal(existsSync(dest), false);
    const local = await pullInto(path.join(sandbox, 'loopback'));
    assert.equal(local.code, 0, local.stderr);
  });
});
