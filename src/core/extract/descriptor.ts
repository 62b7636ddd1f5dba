import * as fs from 'node:fs';

/**
 * A raw descriptor with one owner. Every operation on it goes through `use`; `close` closes it once, and only after
 * the operations in flight have settled. A number closed while a read or write on it is still in the thread pool
 * may be handed to another file by then (the operation lands there), and a number closed twice closes someone
 * else's file: Node aborts the process ("Assertion failed ... uv_fs_close") when that file was its own.
 */
export class Descriptor {
  private inFlight = 0;
  private settled: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly fd: number,
    /** Names the file in the error of a use after close. */
    readonly path: string,
  ) {}

  static open(path: string, flags: string, mode?: number): Promise<Descriptor> {
    return new Promise((resolve, reject) =>
      fs.open(path, flags, mode, (error, fd) => (error ? reject(error) : resolve(new Descriptor(fd, path)))),
    );
  }

  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /** Runs one operation on the descriptor; rejects (EBADF) once `close` was called, never touching the number. */
  async use<T>(operation: (fd: number) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw closedError(this.path);
    this.inFlight++;
    try {
      return await operation(this.fd);
    } finally {
      if (--this.inFlight === 0) this.settled?.();
    }
  }

  /** Closes the descriptor once the operations in flight have settled; later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.inFlight > 0) await new Promise<void>((resolve) => (this.settled = resolve));
      // Errors ignored: the owner has nothing to do about a failed close, and the number is gone either way.
      await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
    })();
    return this.closing;
  }
}

function closedError(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${path} was closed while still in use`), { code: 'EBADF' });
}

/**
 * The `fs` option of a stream over a descriptor someone else owns: Node's fs streams close their descriptor when
 * destroyed, even with `autoClose: false` (a pipeline destroys every stream on an error), which took the shared
 * archive descriptor from the other entries, and closed an entry's file twice (the owner closes it too).
 */
export const BORROWED_FD = {
  open: fs.open,
  read: fs.read,
  write: fs.write,
  writev: fs.writev,
  close: (_fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => callback(null),
};
