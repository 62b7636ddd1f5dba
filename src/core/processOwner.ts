import { randomBytes } from 'node:crypto';
import * as os from 'node:os';

/**
 * Who made a file that outlives its maker if the process dies: a lock file, a staging folder. Another process
 * judges it abandoned only when the owner ran on this host and that process is gone; an owner on another host
 * (a shared network folder) is never judged from here.
 */
export interface ProcessOwner {
  pid: number;
  host: string;
  /** Tells two owners with the same pid apart (a pid is reused after its process ends). */
  nonce: string;
}

export function currentOwner(): ProcessOwner {
  return { pid: process.pid, host: os.hostname(), nonce: randomBytes(16).toString('hex') };
}

/** The owner recorded in `text`, or undefined when it is not one (empty, partial, or not ours). */
export function parseOwner(text: string): ProcessOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<ProcessOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string') {
      return { pid: value.pid, host: value.host, nonce: value.nonce };
    }
  } catch {
    // Being written right now, or damaged: not a known owner.
  }
  return undefined;
}

/** True only when the owner ran on this host and its process no longer exists. */
export function ownerIsGone(owner: ProcessOwner): boolean {
  if (owner.host !== os.hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
