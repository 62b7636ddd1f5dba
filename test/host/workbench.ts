// Starts a real VS Code workbench for tests: code-server (VS Code server, under Node 24) plus Debian's Chromium
// driven by playwright-core. Mode A (extension tests in the extension host) and Mode B (Playwright UI tests) share
// this launch. Recipe and pitfall numbers: shared/notes/vscode-test-host.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { findHostInstall } from './hostInstall';
import { formatConsoleArgs, isOfflineNoise, stripStylePrefix } from './consoleLines';

export interface WorkbenchOptions {
  /** Absolute path of the extension to load as a development extension. */
  extensionDevelopmentPath: string;
  /** Absolute path of a module exporting `run()` (Mode A). Omit for UI tests (Mode B). */
  extensionTestsPath?: string;
  /** Absolute path of the folder to open as the workspace. */
  folder: string;
  /** Merged over the baseline user settings.json (AI features off, no startup editor, no telemetry). */
  userSettings?: Record<string, unknown>;
  /** Environment for the extension host (sent as `extensionEnvironment` and given to code-server itself). */
  env?: Record<string, string>;
  /** Receives each relayed console line; the default prints it unless it is offline noise (pitfall 8). */
  onConsoleLine?: (line: string) => void;
}

export interface Workbench {
  page: Page;
  /** `http://127.0.0.1:PORT` of code-server. */
  origin: string;
  /** Resolves with the code the workbench reports through `codeAutomationExit` (Mode A: the test result). */
  automationExit: Promise<number>;
  /** Rejects if code-server exits before `close()`. */
  serverExit: Promise<never>;
  /** Resolves once the console has been quiet for a moment and every line seen has been relayed. */
  flushConsole(): Promise<void>;
  /** Last lines of code-server's own log, for failure messages. */
  serverLogTail(lines?: number): string;
  /** Closes the browser, kills code-server's whole process group and removes the temp dir. Idempotent. */
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

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage', // pitfall 9
];

const HEALTH_TIMEOUT_MS = 30_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** `vscode-remote://` URI of a path on the code-server machine, as the dev/test payload expects. */
function remoteUri(port: number, absPath: string): string {
  return `vscode-remote://127.0.0.1:${port}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

export async function launchWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const host = findHostInstall();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'box-pull-host-'));
  const userDir = path.join(tmp, 'user-data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDir, 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...options.userSettings }, null, 2),
  );
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = path.join(tmp, 'config.yaml');
  // Always pass --config: without it code-server writes ~/.config/code-server/config.yaml (pitfall 4).
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logPath = path.join(tmp, 'code-server.log');
  const logFd = fs.openSync(logPath, 'a');

  const server = spawn(
    host.codeServerBin,
    [
      ...['--config', config, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none'],
      ...['--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'],
      '--disable-getting-started-override',
      // The 3 h default keeps processes alive after the browser goes away (pitfall 6).
      ...['--reconnection-grace-time', '5'],
      // Without it the web workbench silently ignores the dev/test payload (pitfall 5). Side effect: no
      // notification toasts; notifications only reach the Notification Center (see test/ui/selectors.ts).
      ...['--vscode-option', 'enable-smoke-test-driver'],
      ...['--user-data-dir', path.join(tmp, 'user-data'), '--extensions-dir', path.join(tmp, 'extensions')],
    ],
    {
      // detached = setsid(): code-server leads its own process group, so one kill reaches every child.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        ...options.env,
        PATH: `${host.node24BinDir}${path.delimiter}${process.env.PATH ?? ''}`,
      },
    },
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

  let browser: Browser | undefined;
  const pgid = server.pid;
  // Last resort if the caller's process exits without close(): no orphaned servers, no temp dirs left behind.
  const onProcessExit = () => {
    if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', onProcessExit);

  const close = once(async () => {
    closing = true;
    await browser?.close().catch(() => undefined);
    if (pgid !== undefined) {
      killGroup(pgid, 'SIGTERM');
      for (let i = 0; i < 30 && groupAlive(pgid); i++) await sleep(100);
      if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
    }
    process.removeListener('exit', onProcessExit);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  try {
    await waitForHealth(origin, serverExit);
    browser = await chromium.launch({
      executablePath: host.chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();

    let reportExit: (code: number) => void = () => undefined;
    const automationExit = new Promise<number>((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(Number(code)));
    const flushConsole = relayConsole(page, options.onConsoleLine ?? defaultConsoleSink);

    const payload: [string, string][] = [
      ['extensionDevelopmentPath', remoteUri(port, options.extensionDevelopmentPath)],
    ];
    if (options.extensionTestsPath) {
      payload.push(['extensionTestsPath', remoteUri(port, options.extensionTestsPath)]);
    }
    payload.push(['extensionEnvironment', JSON.stringify(options.env ?? {})]);
    const url =
      `${origin}/?folder=${encodeURIComponent(options.folder)}` +
      `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    return {
      page,
      origin,
      automationExit,
      serverExit,
      flushConsole,
      serverLogTail: (lines = 30) => tailOf(logPath, lines),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function tailOf(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no code-server log)';
  }
}

function defaultConsoleSink(line: string): void {
  if (process.env.BOX_PULL_HOST_VERBOSE === '1' || !isOfflineNoise(line)) process.stdout.write(`${line}\n`);
}

/** Relays the page console in order; argument values are fetched asynchronously, so lines go through a queue. */
function relayConsole(page: Page, sink: (line: string) => void): () => Promise<void> {
  let queue = Promise.resolve();
  let lastMessageAt = Date.now();
  page.on('console', (message: ConsoleMessage) => {
    lastMessageAt = Date.now();
    queue = queue.then(async () => {
      let text: string;
      try {
        // Errors do not survive JSON serialisation; turn them into their stack text inside the page.
        const values = await Promise.all(
          message
            .args()
            .map((arg) =>
              arg.evaluate((value) => (value instanceof Error ? (value.stack ?? String(value)) : value)),
            ),
        );
        text = values.length > 0 ? formatConsoleArgs(values) : message.text();
      } catch {
        // The page is going away (or a value cannot be read): fall back to the browser's own rendering.
        text = stripStylePrefix(message.text());
      }
      for (const line of text.split('\n')) sink(line);
    });
  });
  page.on('pageerror', (error) => sink(`[page error] ${error.message}`));
  // The exit report can overtake the last lines (mocha's summary), so wait for a quiet moment, then for the queue.
  return async () => {
    const deadline = Date.now() + 3000;
    while (Date.now() - lastMessageAt < 300 && Date.now() < deadline) await sleep(100);
    await queue;
  };
}
