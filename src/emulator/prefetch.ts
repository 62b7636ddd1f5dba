// Read-ahead for the ZIP stream. yazl pulls entries strictly one after another, so with many small files the stream
// would wait on open/read/close round trips for every file. This opens the next few files and reads their first
// bytes in advance, with bounded memory (lookahead × headBytes) and bounded open files (lookahead + 1).
import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 256 * 1024;

interface Head {
  handle: fs.FileHandle;
  head: Buffer;
  /** True when the head already holds the whole file. */
  complete: boolean;
}

export interface PrefetchOptions {
  /** How many files ahead of the one being streamed to open and start reading. */
  lookahead?: number;
  /** Bytes read in advance per file (the rest is streamed when its turn comes). */
  headBytes?: number;
}

async function readHead(path: string, size: number, headBytes: number): Promise<Head> {
  const handle = await fs.open(path, 'r');
  try {
    // One byte more than the expected size tells whether the file grew since it was listed.
    const want = Math.min(size + 1, headBytes);
    const buffer = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await handle.read(buffer, filled, want - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { handle, head: buffer.subarray(0, filled), complete: filled < want };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A stream that emits the prefetched head, then reads the rest of the file from where the head stopped. */
function streamFrom(pending: Promise<Head>): Readable {
  let state: Head | undefined;
  let position = 0;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    async read() {
      try {
        if (!state) {
          state = await pending;
          position = state.head.length;
          if (state.head.length > 0) this.push(state.head);
          if (state.complete) this.push(null);
          return;
        }
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        const { bytesRead } = await state.handle.read(buffer, 0, CHUNK_BYTES, position);
        position += bytesRead;
        this.push(bytesRead > 0 ? buffer.subarray(0, bytesRead) : null);
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      const close = state ? state.handle.close() : pending.then((head) => head.handle.close());
      close.then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}

export class Prefetcher {
  private readonly started = new Map<number, Promise<Head>>();
  private readonly lookahead: number;
  private readonly headBytes: number;

  constructor(
    private readonly files: { absolutePath: string; size: number }[],
    options: PrefetchOptions = {},
  ) {
    this.lookahead = options.lookahead ?? 8;
    this.headBytes = options.headBytes ?? CHUNK_BYTES;
  }

  /** The stream for file `index`; also starts reading the files after it. */
  open(index: number): Readable {
    for (let next = index; next <= Math.min(index + this.lookahead, this.files.length - 1); next++)
      this.start(next);
    const pending = this.started.get(index)!;
    this.started.delete(index);
    return streamFrom(pending);
  }

  /** Closes files read ahead but never streamed (the download was cut or aborted). */
  dispose(): void {
    for (const pending of this.started.values())
      pending.then((head) => head.handle.close()).catch(() => undefined);
    this.started.clear();
  }

  private start(index: number): void {
    if (this.started.has(index) || index < 0) return;
    const file = this.files[index];
    const pending = readHead(file.absolutePath, file.size, this.headBytes);
    // Errors surface when the stream is read; this only stops an "unhandled rejection" in the meantime.
    pending.catch(() => undefined);
    this.started.set(index, pending);
  }
}
