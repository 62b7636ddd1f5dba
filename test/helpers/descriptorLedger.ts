// The module object itself (a namespace import is a read-only copy): the code under test reads its functions from it.
import fs from 'node:fs';

type Callback = (...results: unknown[]) => void;

/**
 * Watches the callback `fs.open`/`fs.read`/`fs.write`/`fs.close` and `fs.openSync` (what the extractors, the
 * emulator and Node's fs streams call) for the two ways a descriptor number gets closed under someone: closed again
 * before anything reopened it, or closed while a read or write on it is still in the thread pool. Calls go through
 * to the real functions; `stop` puts them back.
 */
export interface DescriptorLedger {
  closedTwice: number[];
  closedInUse: number[];
  /** Called right after a read or write is handed to the thread pool: a test can act while it is in flight. */
  onDispatch?: (fd: number) => void;
  /** Called on every close. */
  onClose?: (fd: number) => void;
  stop(): void;
}

export function watchDescriptors(): DescriptorLedger {
  const closed = new Set<number>();
  const inFlight = new Map<number, number>();
  const closedTwice: number[] = [];
  const closedInUse: number[] = [];
  const ledger: DescriptorLedger = { closedTwice, closedInUse, stop: () => Object.assign(fs, real) };
  const real = { open: fs.open, openSync: fs.openSync, read: fs.read, write: fs.write, close: fs.close };
  const target = fs as unknown as Record<keyof typeof real, unknown>;
  const opened = (fd: number): void => void closed.delete(fd);
  target.open = (...args: unknown[]) => {
    const callback = args.pop() as Callback;
    (real.open as (...a: unknown[]) => void)(...args, (error: unknown, fd: number) => {
      if (!error) opened(fd);
      callback(error, fd);
    });
  };
  target.openSync = (...args: Parameters<typeof fs.openSync>) => {
    const fd = real.openSync(...args);
    opened(fd);
    return fd;
  };
  for (const name of ['read', 'write'] as const) {
    target[name] = (fd: number, ...args: unknown[]) => {
      const callback = args.pop() as Callback;
      inFlight.set(fd, (inFlight.get(fd) ?? 0) + 1);
      (real[name] as (...a: unknown[]) => void)(fd, ...args, (...results: unknown[]) => {
        inFlight.set(fd, inFlight.get(fd)! - 1);
        callback(...results);
      });
      ledger.onDispatch?.(fd);
    };
  }
  target.close = (fd: number, callback?: Callback) => {
    if (closed.has(fd)) closedTwice.push(fd);
    if ((inFlight.get(fd) ?? 0) > 0) closedInUse.push(fd);
    closed.add(fd);
    real.close(fd, callback);
    ledger.onClose?.(fd);
  };
  return ledger;
}
