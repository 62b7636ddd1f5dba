// Copies a body stream to the response with backpressure, an optional bytes-per-second cap (read live from the
// knobs) and an optional cut: after N bytes the socket is destroyed, as when a connection drops mid-download.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { EmulatorFaults } from './options';

export type PumpOutcome = 'completed' | 'cut' | 'aborted' | 'failed';

export interface PumpOptions {
  faults: EmulatorFaults;
  /** Destroy the socket once this many bytes were written. */
  cutAfterBytes?: number;
  onEnd(outcome: PumpOutcome): void;
  /** Called once, when the stream first goes silent at `freezeAfterBytes`. */
  onFrozen?(): void;
}

/** Throttled writes go out in slices of about 1/20 s so progress looks smooth to the client. */
const SLICES_PER_SECOND = 20;
const COALESCE_BYTES = 64 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function pump(source: Readable, res: ServerResponse, options: PumpOptions): void {
  const { faults } = options;
  let sent = 0;
  let ended = false;
  /**
   * Set as soon as a cut is decided. The socket is only destroyed once the bytes before the cut point are written
   * (a callback later), and meanwhile the source may emit more data or its 'end' (a cut inside the last chunk): both
   * must be ignored, or the download would count as completed with status `succeeded`.
   */
  let cutting = false;
  /**
   * Throttled writes still in progress, chained in arrival order. A paused source still emits 'end' once its last
   * chunk was handed to us, so 'end' waits for this before ending the response: ending it earlier truncates the
   * archive while the client sees a clean end.
   */
  let slowWrites: Promise<void> = Promise.resolve();
  let frozen = false;
  let rate = 0;
  let rateStart = 0;
  let rateSentAtStart = 0;

  const finish = (outcome: PumpOutcome) => {
    if (ended) return;
    ended = true;
    options.onEnd(outcome);
  };

  const waitForDrain = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });

  /** Milliseconds to wait until the bytes already sent have "paid" for themselves under the current cap. */
  const throttleDelay = (): number => {
    const cap = faults.bytesPerSecond ?? 0;
    if (cap <= 0) return 0;
    if (cap !== rate) {
      rate = cap;
      rateStart = Date.now();
      rateSentAtStart = sent;
    }
    const due = rateStart + ((sent - rateSentAtStart) / rate) * 1000;
    return Math.max(0, due - Date.now());
  };

  const cut = (chunk: Buffer) => {
    cutting = true;
    const room = options.cutAfterBytes! - sent;
    sent += room;
    const destroy = () => {
      res.socket?.destroy();
      source.destroy();
      finish('cut');
    };
    if (room > 0) res.write(chunk.subarray(0, room), destroy);
    else destroy();
  };

  /** Bytes that may still go out before `freezeAfterBytes` stops the stream (Infinity when not set). */
  const beforeFreeze = (): number =>
    faults.freezeAfterBytes === undefined ? Number.POSITIVE_INFINITY : faults.freezeAfterBytes - sent;

  /** Slow path: throttled, sliced writes while the source is paused. */
  const writeSlowly = async (chunk: Buffer) => {
    source.pause();
    let offset = 0;
    while (offset < chunk.length && !ended && !cutting) {
      // Frozen: silent, the socket open, until the knob is cleared or raised (read live).
      if (beforeFreeze() <= 0 && !frozen) {
        frozen = true;
        options.onFrozen?.();
      }
      while (beforeFreeze() <= 0 && !ended && !res.destroyed) await sleep(50);
      const delay = throttleDelay();
      if (delay > 0) await sleep(delay);
      if (ended || cutting || res.destroyed) return;
      // Re-read the cap per slice: lifting it mid-chunk sends the rest at once.
      const cap = faults.bytesPerSecond ?? 0;
      const sliceBytes = Math.min(
        cap > 0 ? Math.max(1, Math.floor(cap / SLICES_PER_SECOND)) : chunk.length,
        beforeFreeze(),
      );
      const slice = chunk.subarray(offset, offset + sliceBytes);
      offset += slice.length;
      if (options.cutAfterBytes !== undefined && sent + slice.length >= options.cutAfterBytes) {
        return cut(slice);
      }
      sent += slice.length;
      if (!res.write(slice)) await waitForDrain();
    }
    if (!ended && !cutting) source.resume();
  };

  // Small chunks (ZIP headers, data descriptors, small files) are batched into one writev per turn of the event
  // loop or per 64 KiB: with thousands of tiny entries, one syscall per chunk would dominate the CPU time.
  const queue: Buffer[] = [];
  let queued = 0;
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (queue.length === 0 || ended || cutting) return;
    res.cork();
    let ok = true;
    for (const chunk of queue) ok = res.write(chunk);
    res.uncork();
    queue.length = 0;
    queued = 0;
    if (!ok) {
      source.pause();
      void waitForDrain().then(() => !ended && source.resume());
    }
  };

  source.on('data', (chunk: Buffer) => {
    if (ended || cutting) return;
    if ((faults.bytesPerSecond ?? 0) > 0 || faults.freezeAfterBytes !== undefined) {
      flush();
      // writeSlowly never rejects (every await in it resolves), so the chain never breaks.
      slowWrites = slowWrites.then(() => writeSlowly(chunk));
      return;
    }
    rate = 0;
    if (options.cutAfterBytes !== undefined && sent + chunk.length >= options.cutAfterBytes) {
      flush();
      return cut(chunk);
    }
    sent += chunk.length;
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= COALESCE_BYTES) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
  source.on('end', () => {
    void slowWrites.then(() => {
      if (ended || cutting) return;
      flush();
      // Done as soon as the last byte is handed over: a client that read everything and polls at once must not
      // race the server's 'finish' event (in_progress lag is a separate, explicit knob).
      res.end();
      finish('completed');
    });
  });
  source.on('error', () => {
    res.socket?.destroy();
    finish('failed');
  });
  res.on('close', () => {
    if (!ended && !res.writableFinished) {
      source.destroy();
      finish('aborted');
    }
  });
}
