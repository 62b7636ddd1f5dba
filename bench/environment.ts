// The machine and tool versions a result was measured with, and the tools the bench needs (installed with apt
// when missing, as on a fresh CI image).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { GNU_TIME } from './timedRun';

const TOOLS: [command: string, aptPackage: string][] = [
  ['zip', 'zip'],
  ['unzip', 'unzip'],
  ['curl', 'curl'],
  [GNU_TIME, 'time'],
];

function found(command: string): boolean {
  if (command.startsWith('/')) return existsSync(command);
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureTools(log: (line: string) => void): void {
  const missing = TOOLS.filter(([command]) => !found(command)).map(([, aptPackage]) => aptPackage);
  if (missing.length === 0) return;
  log(`Installing ${missing.join(', ')} with apt-get ...`);
  execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit' });
}

function firstLine(command: string, args: string[], pick = 0): string {
  try {
    const lines = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split(
      '\n',
    );
    return lines[pick]?.trim() ?? '?';
  } catch {
    return '?';
  }
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // Not Linux: fall through to what Node knows.
  }
  return os.cpus()[0]?.model ?? '?';
}

export function describeEnvironment(): Record<string, string> {
  return {
    cpu: cpuModel(),
    cores: String(os.availableParallelism()),
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    unzip: firstLine('unzip', ['-v']),
    zip: firstLine('zip', ['-v'], 1),
    curl: firstLine('curl', ['--version']).split(' ').slice(0, 2).join(' '),
    loadAtStart: loadAverage(),
  };
}

/** 1-minute load average: above the core count, other work on the machine is skewing the timings. */
export function loadAverage(): string {
  return os.loadavg()[0].toFixed(2);
}
