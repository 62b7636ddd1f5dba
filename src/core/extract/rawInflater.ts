import * as fs from 'node:fs';
import { finished } from 'node:stream/promises';
import * as zlib from 'node:zlib';

/**
 * Raw inflate for large entries (both passes), with output in one reused buffer where Node allows it.
 *
 * zlib's streams allocate a fresh buffer for every `chunkSize` bytes of output: a 24 MB entry left 24+ MB of array
 * buffers for V8 to collect, which it does only after tens of megabytes of them (the peak memory of a pull of large
 * files was mostly that garbage). Node has no public way to inflate into a caller's buffer, so `HandleInflater`
 * drives the stream's native handle the way Node's own synchronous zlib functions do (lib/zlib.js
 * `processChunkSync`: `writeSync` and the two-word write state). Those are internals: when they are missing, or do
 * not inflate a known sample correctly, `StreamInflater` (a plain zlib stream, public API, fresh output buffers)
 * takes over with the same contract.
 */
export interface RawInflate {
  /** Input bytes taken so far. */
  readonly consumed: number;
  /** The deflate stream has ended (zlib takes no more input). */
  readonly ended: boolean;
  /**
   * Inflates `input`, calling `onOutput` with each part of the output (valid only until `onOutput`'s promise
   * settles). Returns once all input is taken or the deflate stream has ended.
   */
  inflate(input: Buffer, onOutput: (bytes: Buffer) => Promise<void>): Promise<void>;
  /** After the last input: rejects (Z_BUF_ERROR, "unexpected end of file") unless the deflate stream ended. */
  finish(onOutput: (bytes: Buffer) => Promise<void>): Promise<void>;
  close(): void;
}

export type InflaterKind = 'handle' | 'stream';

/** A raw inflater writing into `outputBytes`-sized parts; `kind` forces one (tests), else the best that works. */
export function createRawInflater(outputBytes: number, kind?: InflaterKind): RawInflate {
  const chosen = kind ?? (handleWorks() ? 'handle' : 'stream');
  if (chosen === 'handle') {
    const handle = HandleInflater.create(Buffer.allocUnsafe(outputBytes));
    if (handle !== undefined) return handle;
  }
  return new StreamInflater(outputBytes);
}

interface ZlibHandle {
  writeSync(
    flush: number,
    input: Buffer,
    inputOffset: number,
    inputLength: number,
    output: Buffer,
    outputOffset: number,
    outputLength: number,
  ): void;
}

interface ZlibInternals {
  _handle?: ZlibHandle;
  /** [output bytes left, input bytes left] after a write. */
  _writeState?: Uint32Array;
}

const EMPTY = Buffer.alloc(0);

class HandleInflater implements RawInflate {
  consumed = 0;
  ended = false;

  private constructor(
    private readonly stream: zlib.InflateRaw,
    private readonly handle: ZlibHandle,
    private readonly state: Uint32Array,
    private readonly output: Buffer,
  ) {
    // A zlib error destroys the stream; the error is read from it synchronously (`step`), not from this event.
    stream.on('error', () => undefined);
  }

  /** Undefined when this Node's zlib stream lacks the internals. */
  static create(
    output: Buffer,
    stream: zlib.InflateRaw = zlib.createInflateRaw(),
  ): HandleInflater | undefined {
    const internals = internalsOf(stream);
    return internals && new HandleInflater(stream, internals.handle, internals.state, output);
  }

  async inflate(input: Buffer, onOutput: (bytes: Buffer) => Promise<void>): Promise<void> {
    let offset = 0;
    while (!this.ended) {
      const { produced, taken } = this.step(input, offset, zlib.constants.Z_NO_FLUSH);
      offset += taken;
      if (produced > 0) await onOutput(this.output.subarray(0, produced));
      // Room left in the output: zlib wanted more input, or (with input left over) its stream has ended.
      if (produced < this.output.length) {
        if (offset < input.length) this.ended = true;
        return;
      }
    }
  }

  async finish(onOutput: (bytes: Buffer) => Promise<void>): Promise<void> {
    if (this.ended) return;
    const { produced } = this.step(EMPTY, 0, zlib.constants.Z_FINISH);
    if (produced > 0) await onOutput(this.output.subarray(0, produced));
    this.ended = true;
  }

  close(): void {
    this.stream.destroy();
  }

  /** The self-test behind `handleWorks`: a sample in two inputs, through an output smaller than the result. */
  static inflatesSample(stream: zlib.InflateRaw): boolean {
    const sample = Buffer.from('box-pull raw inflate sample '.repeat(64));
    const deflated = zlib.deflateRawSync(sample);
    const inflater = HandleInflater.create(Buffer.allocUnsafe(256), stream);
    if (inflater === undefined) return false;
    try {
      const parts: Buffer[] = [];
      const half = Math.floor(deflated.length / 2);
      for (const input of [deflated.subarray(0, half), deflated.subarray(half)]) {
        // Bounded: internals that never report progress must not loop.
        for (let offset = 0, steps = 0; steps < 64; steps++) {
          const { produced, taken } = inflater.step(input, offset, zlib.constants.Z_NO_FLUSH);
          offset += taken;
          parts.push(Buffer.from(inflater.output.subarray(0, produced)));
          if (produced < inflater.output.length) break;
        }
      }
      inflater.step(EMPTY, 0, zlib.constants.Z_FINISH);
      return inflater.consumed === deflated.length && Buffer.concat(parts).equals(sample);
    } finally {
      inflater.close();
    }
  }

  private step(input: Buffer, offset: number, flush: number): { produced: number; taken: number } {
    const result = writeStep(this.stream, this.handle, this.state, flush, input, offset, this.output);
    this.consumed += result.taken;
    return result;
  }
}

/** The native handle and write state of a zlib stream; undefined (the stream destroyed) when this Node lacks them. */
function internalsOf(stream: zlib.InflateRaw): { handle: ZlibHandle; state: Uint32Array } | undefined {
  const internals = stream as unknown as ZlibInternals;
  if (typeof internals._handle?.writeSync !== 'function' || !(internals._writeState instanceof Uint32Array)) {
    stream.destroy();
    return undefined;
  }
  return { handle: internals._handle, state: internals._writeState };
}

/**
 * One synchronous write of `input` from `offset` into all of `output`, as Node's `processChunkSync` makes it. A
 * zlib error destroys the stream (its handle is closed then, and must never be written again): it is thrown.
 */
function writeStep(
  stream: zlib.InflateRaw,
  handle: ZlibHandle,
  state: Uint32Array,
  flush: number,
  input: Buffer,
  offset: number,
  output: Buffer,
): { produced: number; taken: number } {
  const inputLength = input.length - offset;
  handle.writeSync(flush, input, offset, inputLength, output, 0, output.length);
  if (stream.destroyed) {
    throw stream.errored ?? new Error('zlib stopped');
  }
  const inputLeft = state[1] ?? inputLength;
  const outputLeft = state[0] ?? output.length;
  // Internals that changed meaning must not pass for data (the self-test catches this first).
  if (inputLeft > inputLength || outputLeft > output.length) throw new Error('zlib write state is unusable');
  return { produced: output.length - outputLeft, taken: inputLength - inputLeft };
}

/** Output part of `inflateSmall`: most small entries fit in one. */
const SMALL_OUTPUT_BYTES = 64 * 1024;

/**
 * `inflateSmall`'s reused zlib stream: a new stream per entry (what `zlib.inflateRawSync` makes) cost about as much
 * CPU as the inflating itself for thousands of small entries, and left a stream's worth of garbage each. Reset
 * after each use; dropped after an error, which destroys it.
 */
class SmallInflater {
  private readonly output = Buffer.allocUnsafe(SMALL_OUTPUT_BYTES);

  private constructor(
    private readonly stream: zlib.InflateRaw,
    private readonly handle: ZlibHandle,
    private readonly state: Uint32Array,
  ) {
    stream.on('error', () => undefined);
  }

  static create(): SmallInflater | undefined {
    const stream = zlib.createInflateRaw();
    const internals = internalsOf(stream);
    return internals && new SmallInflater(stream, internals.handle, internals.state);
  }

  get usable(): boolean {
    return !this.stream.destroyed;
  }

  inflate(input: Buffer, maxOutput: number): { content: Buffer; consumed: number } {
    try {
      const parts: Buffer[] = [];
      let total = 0;
      for (let offset = 0; ;) {
        // Z_FINISH, as zlib.inflateRawSync: all input is there, so a stream that does not end in it is an error.
        const { produced, taken } = writeStep(
          this.stream,
          this.handle,
          this.state,
          zlib.constants.Z_FINISH,
          input,
          offset,
          this.output,
        );
        offset += taken;
        total += produced;
        if (total > maxOutput) throw tooLarge(maxOutput);
        // An exact-size copy: a view of a larger buffer would keep it alive (workerFileSink.ts `compact`).
        if (produced > 0) parts.push(copyOf(this.output.subarray(0, produced)));
        // Room left in the output after a Z_FINISH write that did not fail: the deflate stream has ended.
        if (produced < this.output.length) {
          const content = parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
          return { content, consumed: offset };
        }
      }
    } finally {
      if (!this.stream.destroyed) this.stream.reset();
    }
  }
}

function copyOf(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

/** The error `zlib.inflateRawSync` throws past `maxOutputLength`. */
function tooLarge(maxOutput: number): Error {
  return Object.assign(new RangeError(`Cannot create a Buffer larger than ${maxOutput} bytes`), {
    code: 'ERR_BUFFER_TOO_LARGE',
  });
}

let smallInflater: SmallInflater | undefined;

/**
 * A whole small deflate stream inflated at once: what `zlib.inflateRawSync(input, { info: true, maxOutputLength })`
 * gives (the content, and `consumed`: the input bytes up to the stream's end) and throws (`ERR_BUFFER_TOO_LARGE`
 * past `maxOutput`, checked every 64 KB of output; zlib's `Z_*` codes for corrupt data or a stream that does not
 * end in `input`), through one reused zlib handle where `handleWorks`. The content is a buffer of its own (no view
 * of a larger one). `kind` forces one (tests).
 */
export function inflateSmall(
  input: Buffer,
  maxOutput: number,
  kind?: InflaterKind,
): { content: Buffer; consumed: number } {
  if ((kind ?? (handleWorks() ? 'handle' : 'stream')) === 'handle') {
    if (!smallInflater?.usable) smallInflater = SmallInflater.create();
    if (smallInflater !== undefined) return smallInflater.inflate(input, maxOutput);
  }
  const result = zlib.inflateRawSync(input, {
    info: true,
    maxOutputLength: maxOutput,
    // Output chunks no larger than needed: 16 KB ones for thousands of small files feed the GC.
    chunkSize: Math.max(64, Math.min(maxOutput + 1, 16 * 1024)),
  }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  const content =
    result.buffer.buffer.byteLength === result.buffer.length ? result.buffer : copyOf(result.buffer);
  return { content, consumed: result.engine.bytesWritten };
}

/**
 * The public-API inflater: a zlib stream, read with backpressure (zlib inflates no further while its output waits
 * to be read), so a bomb cannot outrun the caller's size checks. Output arrives in fresh buffers.
 */
class StreamInflater implements RawInflate {
  ended = false;
  private failure: unknown;
  private readonly stream: zlib.InflateRaw;
  private wake: (() => void) | undefined;

  constructor(chunkSize: number) {
    this.stream = zlib.createInflateRaw({ chunkSize });
    const wake = (): void => this.notify();
    this.stream.on('error', (error) => {
      this.failure ??= error;
      wake();
    });
    this.stream.on('readable', wake);
    this.stream.on('end', wake);
  }

  get consumed(): number {
    return this.stream.bytesWritten;
  }

  async inflate(input: Buffer, onOutput: (bytes: Buffer) => Promise<void>): Promise<void> {
    if (this.ended) return;
    const before = this.stream.bytesWritten;
    let processed = false;
    this.stream.write(input, () => {
      processed = true;
      this.notify();
    });
    await this.drain(() => processed, onOutput);
    // zlib took less than it was given: the deflate stream ended inside this input.
    if (this.stream.bytesWritten - before < input.length || this.stream.readableEnded) this.ended = true;
  }

  async finish(onOutput: (bytes: Buffer) => Promise<void>): Promise<void> {
    if (this.ended) return;
    // `end`'s callback comes before a truncated stream's error: wait for both sides to finish, or the error.
    let settled = false;
    finished(this.stream).then(
      () => {
        settled = true;
        this.notify();
      },
      (error: unknown) => {
        this.failure ??= error;
        settled = true;
        this.notify();
      },
    );
    this.stream.end();
    await this.drain(() => settled, onOutput);
    this.ended = true;
  }

  close(): void {
    this.stream.destroy();
  }

  /** Reads output until `done`, one part at a time, each handed on before the next is read. */
  private async drain(done: () => boolean, onOutput: (bytes: Buffer) => Promise<void>): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) {
        await onOutput(chunk);
        continue;
      }
      if (done()) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = undefined;
    waiting?.();
  }
}

let handleVerdict: boolean | undefined;

/**
 * Whether the handle inflater works on this Node: it must exist and inflate a known sample (split in two, so that
 * input carried over between calls is exercised) to the right bytes. Decided once.
 */
export function handleWorks(): boolean {
  handleVerdict ??= handleInflatesSample(() => zlib.createInflateRaw());
  return handleVerdict;
}

/** Exported for tests: a stream factory whose handle is missing or broken must give false, never throw. */
export function handleInflatesSample(makeStream: () => zlib.InflateRaw): boolean {
  try {
    return HandleInflater.inflatesSample(makeStream());
  } catch {
    return false;
  }
}

/** Writes all of `data` at the file's current position (one write is allowed to be partial). */
export function writeAll(fd: number, data: Buffer): Promise<void> {
  return (async () => {
    for (let offset = 0; offset < data.length;) {
      offset += await new Promise<number>((resolve, reject) => {
        fs.write(fd, data, offset, data.length - offset, null, (error, written) =>
          error ? reject(error) : resolve(written),
        );
      });
    }
  })();
}
