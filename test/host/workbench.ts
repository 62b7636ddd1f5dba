// Starts a real VS Code workbench for tests: code-server (VS Code server, under Node 24) plus Debian's Chromium
// driven by playwright-core. Mode A (extension tests in the extension host) and Mode B (Playwright UI tests) share
// this launch. Recipe and pitfall numbers: shared/notes/vscode-test-host.md.
import * as path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { sleep, startCodeServer } from './codeServer';
import { findHostInstall } from './hostInstall';
import { formatConsoleArgs, isOfflineNoise, stripStylePrefix } from './consoleLines';

export interface WorkbenchOptions {
  /** Absolute path of the extension to load as a development extension (omitted with `installVsix`). */
  extensionDevelopmentPath?: string;
  /** A packaged extension to install instead: it then runs as users get it, in Production mode. */
  installVsix?: string;
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

/** `vscode-remote://` URI of a path on the code-server machine, as the dev/test payload expects. */
function remoteUri(port: number, absPath: string): string {
  return `vscode-remote://127.0.0.1:${port}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

export async function launchWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const host = findHostInstall();
  const server = await startCodeServer({
    userSettings: options.userSettings,
    env: options.env,
    smokeTestDriver: true,
    installVsix: options.installVsix,
  });
  const { origin, port, serverExit } = server;

  let browser: Browser | undefined;
  const close = once(async () => {
    await browser?.close().catch(() => undefined);
    await server.close();
  });

  try {
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

    const payload: [string, string][] = [];
    if (options.extensionDevelopmentPath) {
      payload.push(['extensionDevelopmentPath', remoteUri(port, options.extensionDevelopmentPath)]);
    }
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
      serverLogTail: (lines = 30) => server.logTail(lines),
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

export function defaultConsoleSink(line: string): void {
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
