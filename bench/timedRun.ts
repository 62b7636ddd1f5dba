// Runs one child process under GNU time: wall time from spawn to exit (measured here, in nanoseconds), peak
// resident memory (`%M`, reported by the kernel for the largest process of the tree) and CPU time (`%U + %S`, the
// whole process tree), which other load on the machine disturbs far less than wall time.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';

export const GNU_TIME = '/usr/bin/time';
const STDERR_TAIL_BYTES = 4000;

export interface Invocation {
  command: string;
  args: string[];
  cwd?: string;
  /** Added to the bench's own environment. */
  env?: Record<string, string>;
  /** Strings (tokens, download URLs) removed from any error text. */
  secrets?: string[];
  /** Figures the command reports on stderr (its last few kilobytes), added to the sample. */
  readStderr?(stderr: string): Partial<RunSample>;
}

export interface RunSample {
  wallSeconds: number;
  peakRssMb: number;
  /** User + system CPU seconds of the command and everything it waited for. */
  cpuSeconds: number;
  /**
   * The user-space part of `cpuSeconds` (absent in older results). Reported apart because system time on this
   * bench's file systems also depends on what was deleted just before (alternate.ts), user time does not.
   */
  userSeconds?: number;
  /** Peak extra disk space in use during the run (only when measured). */
  peakDiskBytes?: number;
  /** Milliseconds from the first byte of the archive to the first file in staging (pulls that log it). */
  firstFileMs?: number;
}

export class RunFailure extends Error {}

export function redact(text: string, secrets: string[] = []): string {
  return secrets.filter(Boolean).reduce((result, secret) => result.split(secret).join('[redacted]'), text);
}

export async function timedRun(invocation: Invocation, timeFile: string): Promise<RunSample> {
  let stderr = '';
  const started = process.hrtime.bigint();
  const child = spawn(
    GNU_TIME,
    ['-f', '%e %M %U %S', '-o', timeFile, invocation.command, ...invocation.args],
    {
      cwd: invocation.cwd,
      env: { ...process.env, ...invocation.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
  });
  const [exitCode, endedAt] = await new Promise<[number | null, bigint]>((resolve, reject) => {
    let endedAt = 0n;
    child.once('error', reject);
    child.once('exit', () => (endedAt = process.hrtime.bigint()));
    child.once('close', (code) => resolve([code, endedAt || process.hrtime.bigint()]));
  });
  const wallSeconds = Number(endedAt - started) / 1e9;
  if (exitCode !== 0) {
    const detail = redact(stderr.trim(), invocation.secrets) || '(no output)';
    throw new RunFailure(`${invocation.command} exited with ${exitCode}: ${detail}`);
  }
  // GNU time's last line is the format; a "Command exited with non-zero status" line would come first.
  const lines = (await fs.readFile(timeFile, 'utf8')).trim().split('\n');
  const [, maxRssKb, user, system] = lines[lines.length - 1].split(' ').map(Number);
  if (![maxRssKb, user, system].every(Number.isFinite))
    throw new RunFailure(`Unreadable ${GNU_TIME} output: ${lines.join(' | ')}`);
  return {
    wallSeconds,
    peakRssMb: maxRssKb / 1024,
    cpuSeconds: user + system,
    userSeconds: user,
    ...invocation.readStderr?.(stderr),
  };
}
