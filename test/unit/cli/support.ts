// Running the built CLI (dist/cli.js) as a user would: a real process, real signals, real exit codes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '../../../../dist/cli.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function requireBuiltCli(): Promise<void> {
  await fs.access(CLI).catch(() => {
    throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
}

/** The CLI's arguments for a pull of Box item `id` into `dest` against `server` (an emulator: its address and token). */
export function pullArgs(
  server: { baseUrl: string; token: string },
  id: string,
  dest: string,
  ...extra: string[]
): string[] {
  return ['pull', id, '--dest', dest, '--api-url', server.baseUrl, '--token', server.token, ...extra];
}

/** Runs the CLI to its end. A CLI that hangs is killed when the test's own timeout would fire anyway. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { PATH: process.env.PATH, ...env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** The CLI under a pseudo-terminal (util-linux `script`), for `--on-conflict ask`; `pid` is the CLI's own. */
export interface TerminalRun {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp) => Promise<void>;
  pid: () => Promise<number>;
  exitCode: Promise<number | null>;
  /** SIGKILL for the child and, under `script`, the CLI, unless they have already exited. */
  kill: () => void;
}

export function spawnInTerminal(args: string[]): TerminalRun {
  const quoted = [process.execPath, CLI, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  // The shell prints its pid, then becomes the CLI (exec), so that pid is the one to signal.
  const child = spawn('script', ['-qefc', `echo "PID=$$"; exec ${quoted}`, '/dev/null'], {
    env: { PATH: process.env.PATH, SHELL: '/bin/sh', TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watch(child);
}

/** Watches a child's output and exit: `waitFor` resolves when the combined output matches. */
export function watch(child: ChildProcess): TerminalRun {
  let text = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters.filter((w) => w.pattern.test(text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exitCode = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true; // `script -e` exits after the CLI, so the CLI has exited too
      resolve(code);
    }),
  );
  const shellPid = () => /PID=(\d+)/.exec(text)?.[1];
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(text)) return resolve();
      waiters.push({ pattern, resolve });
      void exitCode.then(() => reject(new Error(`exited before ${pattern}: ${text}`)));
    });
  return {
    child,
    output: () => text,
    waitFor,
    pid: async () => {
      await waitFor(/PID=\d+/);
      return Number(shellPid());
    },
    exitCode,
    kill: () => {
      if (exited) return;
      const pid = shellPid();
      if (pid !== undefined) process.kill(Number(pid), 'SIGKILL');
      child.kill('SIGKILL');
    },
  };
}

/** Every name under `root` with its content, to show a cancelled pull changed nothing. */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    result[path.relative(root, full)] = entry.isFile() ? await fs.readFile(full, 'utf8') : '<dir>';
  }
  return result;
}

/** `pull <folder> --dest <dest>` against an emulator, with `--json` and any `extra` flags. */
export function jsonPullArgs(
  emulator: { idForPath(relPath: string): string; baseUrl: string; token: string },
  folder: string,
  dest: string,
  ...extra: string[]
): string[] {
  return [
    ...['pull', emulator.idForPath(folder), '--dest', dest],
    ...['--api-url', emulator.baseUrl, '--token', emulator.token, '--json'],
    ...extra,
  ];
}
