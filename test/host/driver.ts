// Mode A: runs extension tests inside VS Code's extension host and exits with their result, like a VS Code binary
// started with --extensionTestsPath. scripts/host/code-shim.sh calls this on behalf of @vscode/test-electron.
//
//   node out/test/host/driver.js --extensionDevelopmentPath=DIR --extensionTestsPath=FILE --folder=DIR
//        [--settings-json=JSON] [--timeout-ms=N]
//
// The extension host's environment comes from env BOX_PULL_HOST_EXTENSION_ENV (a JSON object; kept out of argv
// because it may carry a token).
// Extra user settings may also come from env BOX_PULL_HOST_SETTINGS (JSON); the flag wins on conflicts.
// The run fails with 124 when no test result arrives for a while (env BOX_PULL_HOST_TIMEOUT_MS or --timeout-ms,
// default 180 s: three times mocha's own per-test timeout), not after a fixed total: the suite grows, and a loaded
// machine runs it slower, but a hung test still stops the run. BOX_PULL_HOST_TOTAL_MS caps the whole run (default
// 40 min). BOX_PULL_HOST_VERBOSE=1 relays every console line, noise included.
import { findHostInstall } from './hostInstall';
import { defaultConsoleSink, launchWorkbench, type Workbench, type WorkbenchOptions } from './workbench';

export const EXIT_TIMEOUT = 124;
export const EXIT_HOST_ERROR = 2;

export interface ExtensionTestOptions extends WorkbenchOptions {
  extensionTestsPath: string;
  /** How long the run may go without a test result (a passed, failed or pending test in mocha's spec reporter). */
  timeoutMs?: number;
  /** Ceiling for the whole run. */
  totalMs?: number;
}

/** A line of mocha's spec reporter that reports a test's result, or the summary. */
export function isTestResultLine(line: string): boolean {
  // eslint-disable-next-line no-control-regex -- the reporter may colour its lines
  const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
  return /^\s*(✔|✓|\d+\) |- )|^\s*\d+ (passing|failing|pending)\b/.test(plain);
}

/** Runs the tests and returns their exit code (0 pass, 1 failures, 124 timeout, 2 host error). Always cleans up. */
export async function runExtensionTests(options: ExtensionTestOptions): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const totalMs = options.totalMs ?? 40 * 60_000;
  const sink = options.onConsoleLine ?? defaultConsoleSink;
  let lastResultAt = Date.now();
  let workbench: Workbench | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    workbench = await launchWorkbench({
      ...options,
      onConsoleLine: (line) => {
        if (isTestResultLine(line)) lastResultAt = Date.now();
        sink(line);
      },
    });
    const startedAt = Date.now();
    lastResultAt = startedAt;
    const timeout = new Promise<number>((resolve) => {
      timer = setInterval(() => {
        const now = Date.now();
        if (now - lastResultAt > timeoutMs || now - startedAt > totalMs) resolve(EXIT_TIMEOUT);
      }, 1000);
    });
    const code = await Promise.race([workbench.automationExit, workbench.serverExit, timeout]);
    await Promise.race([workbench.flushConsole(), new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (code === EXIT_TIMEOUT) {
      console.error(
        `[host] no test result for ${timeoutMs / 1000} s, or the run passed ${totalMs / 60_000} min (a test hung, ` +
          `or the extension tests never started)\n` +
          `[host] code-server log tail:\n${workbench.serverLogTail()}`,
      );
    }
    return code;
  } catch (error) {
    console.error(`[host] ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_HOST_ERROR;
  } finally {
    clearInterval(timer);
    await workbench?.close();
  }
}

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([^=]+)=(.*)$/s.exec(arg);
    if (match) args.set(match[1], match[2]);
  }
  return args;
}

function parseJsonObject(text: string | undefined, what: string): Record<string, unknown> {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const extensionDevelopmentPath = args.get('extensionDevelopmentPath');
  const extensionTestsPath = args.get('extensionTestsPath');
  const folder = args.get('folder');
  if (!extensionDevelopmentPath || !extensionTestsPath || !folder) {
    console.error(
      'usage: driver.js --extensionDevelopmentPath=DIR --extensionTestsPath=FILE --folder=DIR ...',
    );
    return EXIT_HOST_ERROR;
  }
  const env = parseJsonObject(
    process.env.BOX_PULL_HOST_EXTENSION_ENV,
    'BOX_PULL_HOST_EXTENSION_ENV',
  ) as Record<string, string>;
  const userSettings = {
    ...parseJsonObject(process.env.BOX_PULL_HOST_SETTINGS, 'BOX_PULL_HOST_SETTINGS'),
    ...parseJsonObject(args.get('settings-json'), '--settings-json'),
  };
  const timeoutMs = Number(args.get('timeout-ms') ?? process.env.BOX_PULL_HOST_TIMEOUT_MS ?? 180_000);
  const totalMs = Number(process.env.BOX_PULL_HOST_TOTAL_MS ?? 40 * 60_000);
  const host = findHostInstall();
  console.log(`[host] code-server ${host.codeServerVersion}, chromium ${host.chromiumPath}`);
  return runExtensionTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    folder,
    env,
    userSettings,
    timeoutMs,
    totalMs,
  });
}

if (require.main === module) {
  // A signal (e.g. Ctrl+C forwarded by test-electron) must still clean up: exiting fires the workbench's 'exit'
  // hook, which kills code-server's process group and removes its temp dir.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[host] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(EXIT_HOST_ERROR);
    },
  );
}
