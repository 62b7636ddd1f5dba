// Starts code-server (VS Code server, under Node 24) in its own temp dir and process group. Shared by the test
// workbench (which adds headless Chromium) and the `npm start` demo (which a person opens in a browser).
// Recipe and pitfall numbers: shared/notes/vscode-test-host.md.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findHostInstall } from './hostInstall';

export interface CodeServerOptions {
  /** Merged over the baseline user settings.json (AI features off, no startup editor, no telemetry). */
  userSettings?: Record<string, unknown>;
  /** Environment for code-server and so for its extension host. */
  env?: Record<string, string>;
  /**
   * Accept the dev/test payload in the page URL (pitfall 5). Tests need it; a person does not, and it hides
   * notification toasts, so the demo leaves it off.
   */
  smokeTestDriver: boolean;
  /** A .vsix to install before the server starts (the demo installs the packaged extension). */
  installVsix?: string;
  /** Port to listen on; a free one when omitted. */
  port?: number;
}

export interface CodeServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  port: number;
  /** Rejects if code-server exits before `close()`. */
  serverExit: Promise<never>;
  /** Last lines of code-server's own log, for failure messages. */
  logTail(lines?: number): string;
  /** Kills code-server's whole process group and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

const BASE_SETTINGS = {
  // Keeps agentHost and copilot-runtime from starting (pitfall 7).
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

const HEALTH_TIMEOUT_MS = 30_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const host = findHostInstall();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'box-pull-host-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...options.userSettings }, null, 2),
  );
  const port = options.port || (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const config = path.join(tmp, 'config.yaml');
  // Always pass --config: without it code-server writes ~/.config/code-server/config.yaml (pitfall 4).
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const dirs = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const env = {
    ...process.env,
    ...options.env,
    // Tests inside the extension host read the logs and settings.json the workbench writes here.
    BOX_PULL_HOST_USER_DATA: userDataDir,
    PATH: `${host.node24BinDir}${path.delimiter}${process.env.PATH ?? ''}`,
  };

  if (options.installVsix) {
    const installed = spawnSync(host.codeServerBin, [...dirs, '--install-extension', options.installVsix], {
      env,
      encoding: 'utf8',
    });
    if (installed.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`code-server could not install ${options.installVsix}:\n${installed.stderr}`);
    }
  }

  const logPath = path.join(tmp, 'code-server.log');
  const logFd = fs.openSync(logPath, 'a');
  const server = spawn(
    host.codeServerBin,
    [
      ...dirs,
      ...['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none'],
      ...['--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'],
      '--disable-getting-started-override',
      // The 3 h default keeps processes alive after the browser goes away (pitfall 6).
      ...['--reconnection-grace-time', '5'],
      ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ],
    // detached = setsid(): code-server leads its own process group, so one kill reaches every child.
    { detached: true, stdio: ['ignore', logFd, logFd], env },
  );
  fs.closeSync(logFd);

  let closing = false;
  const serverExit = new Promise<never>((_, reject) => {
    server.once('exit', (code, signal) => {
      if (!closing)
        reject(new Error(`code-server exited early (${signal ?? code}):\n${tailOf(logPath, 30)}`));
    });
    server.once('error', (error) => reject(error));
  });
  serverExit.catch(() => undefined); // observed by callers that race it

  const pgid = server.pid;
  // Last resort if the caller's process exits without close(): no orphaned servers, no temp dirs left behind.
  const onProcessExit = () => {
    if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', onProcessExit);

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      if (pgid !== undefined) {
        killGroup(pgid, 'SIGTERM');
        for (let i = 0; i < 30 && groupAlive(pgid); i++) await sleep(100);
        if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
      }
      process.removeListener('exit', onProcessExit);
      fs.rmSync(tmp, { recursive: true, force: true });
    })());

  try {
    await waitForHealth(origin, serverExit);
  } catch (error) {
    await close();
    throw error;
  }
  return { origin, port, serverExit, logTail: (lines = 30) => tailOf(logPath, lines), close };
}

async function waitForHealth(origin: string, serverExit: Promise<never>): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let failed = false;
  serverExit.catch(() => (failed = true));
  while (!failed && Date.now() < deadline) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await Promise.race([serverExit, sleep(0)]);
  throw new Error(`code-server did not answer ${origin}/healthz within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

/**
 * Signals code-server's whole process group: the server, its file watcher and the extension host (pitfall 6). Sent
 * even when the leader already exited, because members such as the file watcher may live on.
 */
function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function tailOf(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no code-server log)';
  }
}
