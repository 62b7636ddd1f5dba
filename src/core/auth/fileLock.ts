// A small cross-process mutex on a lock file, for token refreshes: Box refresh tokens are single use, so two
// VS Code windows (or a window and the CLI) refreshing the same pair at once kill each other's session
// (box/box-windows-sdk-v2#718). The lock file is created with O_EXCL; a holder that crashed leaves it behind, so a
// lock whose file has not been touched for `staleMs` (or whose owner process on this host is gone) is taken over.
// Holders touch the file while they run, so a slow but live holder never looks stale.
import { sleep } from '../abort';
import { currentOwner, ownerIsGone, parseOwner } from '../processOwner';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LockTimeoutError } from '../errors';

export interface FileLockOptions {
  /** A lock file untouched for this long is considered abandoned; 30 s by default. */
  staleMs?: number;
  /** Give up waiting after this long; 60 s by default. */
  timeoutMs?: number;
  /** Wait between attempts; 50 ms by default (plus up to 50 ms of jitter). */
  retryMs?: number;
  signal?: AbortSignal;
  /** Time for staleness, the deadline, the waits between attempts and the heartbeat; the system's by default. */
  clock?: LockClock;
}

export interface LockClock {
  /** Epoch milliseconds (compared with lock files' mtimes). */
  now(): number;
  /**
   * Resolves after `ms`; rejects with the signal's reason when it aborts. A `background` wait (the heartbeat) must
   * not keep the process alive by itself.
   */
  sleep(ms: number, signal?: AbortSignal, background?: boolean): Promise<void>;
}

const systemClock: LockClock = { now: () => Date.now(), sleep };

/** The shape TokenManager accepts as its `lock` option. */
export type LockFunction = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** Runs `fn` while holding the lock at `lockPath` (its folder is created if missing); always releases it. */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const retryMs = options.retryMs ?? 50;
  const clock = options.clock ?? systemClock;
  const owner = currentOwner();
  const ownerText = JSON.stringify(owner);
  const deadline = clock.now() + timeoutMs;

  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryCreate(lockPath, ownerText)) {
      break;
    }
    const abandoned = await findAbandoned(lockPath, staleMs, clock.now());
    if (abandoned !== undefined) {
      await removeAbandoned(lockPath, abandoned);
      continue;
    }
    if (clock.now() >= deadline) {
      throw new LockTimeoutError(lockPath);
    }
    await clock.sleep(retryMs + Math.random() * retryMs, options.signal);
  }

  const stopHeartbeat = new AbortController();
  const heartbeat = keepFresh(lockPath, clock, Math.max(10, Math.floor(staleMs / 3)), stopHeartbeat.signal);
  try {
    return await fn();
  } finally {
    stopHeartbeat.abort();
    // A touch still in flight must land before the release, never on the next holder's lock file.
    await heartbeat;
    await release(lockPath, owner.nonce);
  }
}

/** A `LockFunction` keeping one `<key>.lock` file per key in `directory` (VS Code: globalStorage). */
export function createFileLock(directory: string, options?: FileLockOptions): LockFunction {
  return (key, fn) => withFileLock(path.join(directory, `${key.replace(/[^\w.-]/g, '_')}.lock`), fn, options);
}

async function tryCreate(lockPath: string, ownerText: string): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lockPath, 'wx');
  } catch (error) {
    if (isErrno(error, 'EEXIST')) {
      return false;
    }
    throw error;
  }
  try {
    await handle.writeFile(ownerText);
  } finally {
    await handle.close();
  }
  return true;
}

/** The inode of the lock file if its holder is gone, else undefined. */
async function findAbandoned(lockPath: string, staleMs: number, now: number): Promise<number | undefined> {
  try {
    const stat = await fs.stat(lockPath);
    if (now - stat.mtimeMs > staleMs) {
      return stat.ino;
    }
    const owner = parseOwner(await fs.readFile(lockPath, 'utf8'));
    return owner !== undefined && ownerIsGone(owner) ? stat.ino : undefined;
  } catch (error) {
    // Gone between the failed create and now: not abandoned, just free; the next attempt takes it.
    if (isErrno(error, 'ENOENT')) {
      return undefined;
    }
    throw error;
  }
}

async function removeAbandoned(lockPath: string, abandonedIno: number): Promise<void> {
  // Several waiters can judge the same lock abandoned. Moving it aside atomically and checking what we moved
  // keeps a slow waiter from deleting the fresh lock another waiter created after removing the abandoned one.
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return;
    }
    throw error;
  }
  const moved = await fs.stat(aside);
  if (moved.ino !== abandonedIno) {
    // We moved a live lock: put it back (link fails if yet another lock appeared meanwhile, which then stands).
    await fs.link(aside, lockPath).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}

/** Touches the lock file every `intervalMs` until `stop` aborts, so that a slow but live holder never looks stale. */
async function keepFresh(
  lockPath: string,
  clock: LockClock,
  intervalMs: number,
  stop: AbortSignal,
): Promise<void> {
  while (!stop.aborted) {
    try {
      await clock.sleep(intervalMs, stop, true);
    } catch {
      return;
    }
    const now = new Date(clock.now());
    await fs.utimes(lockPath, now, now).catch(() => undefined);
  }
}

async function release(lockPath: string, nonce: string): Promise<void> {
  try {
    // Only remove our own lock: if we were judged abandoned and someone else holds it now, it is theirs.
    const owner = parseOwner(await fs.readFile(lockPath, 'utf8'));
    if (owner?.nonce === nonce) {
      await fs.rm(lockPath, { force: true });
    }
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) {
      throw error;
    }
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
