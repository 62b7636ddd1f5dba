// Mode A: runs extension tests inside VS Code's extension host and exits with their result, like a VS Code binary
// started with --extensionTestsPath. scripts/host/code-shim.sh calls this on behalf of @vscode/test-electron.
//
//   node out/test/host/driver.js --extensionDevelopmentPath=DIR --extensionTestsPath=FILE --folder=DIR
//        [--settings-json=JSON] [--timeout-ms=N]
//
// The extension host's environment comes from env BOX_PULL_HOST_EXTENSION_ENV (a JSON object; kept out of argv
// because it may carry a token).
// Extra user settings may also come from env BOX_PULL_HOST_SETTINGS (JSON); the flag wins on conflicts.
// Env BOX_PULL_HOST_TIMEOUT_MS overrides the overall timeout (default 180 s); BOX_PULL_HOST_VERBOSE=1 relays
// every console line, noise included.
import { findHostInstall } from './hostInstall';
import { launchWorkbench, type Workbench, type WorkbenchOptions } from './workbench';

export const EXIT_TIMEOUT = 124;
export const EXIT_HOST_ERROR = 2;

export interface ExtensionTestOptions extends WorkbenchOptions {
  extensionTestsPath: string;
  timeoutMs?: number;
}

/** Runs the tests and returns their exit code (0 pass, 1 failures, 124 timeout, 2 host error). Always cleans up. */
export async function runExtensionTests(options: ExtensionTestOptions): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  let workbench: Workbench | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    workbench = await launchWorkbench(options);
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(EXIT_TIMEOUT), timeoutMs);
    });
    const code = await Promise.race([workbench.automationExit, workbench.serverExit, timeout]);
    await Promise.race([workbench.flushConsole(), new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (code === EXIT_TIMEOUT) {
      console.error(
        `[host] no test result after ${timeoutMs / 1000} s (extension tests never finished or never started)\n` +
          `[host] code-server log tail:\n${workbench.serverLogTail()}`,
      );
    }
    return code;
  } catch (error) {
    console.error(`[host] ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_HOST_ERROR;
  } finally {
    clearTimeout(timer);
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
  const host = findHostInstall();
  console.log(`[host] code-server ${host.codeServerVersion}, chromium ${host.chromiumPath}`);
  return runExtensionTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    folder,
    env,
    userSettings,
    timeoutMs,
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
