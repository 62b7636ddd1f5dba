/**
 * Turns the pipeline's raw counters into progress events with rate and ETA, at most about ten a second.
 * A status bar or a terminal line redraws on every event, so throttling here keeps both cheap.
 */

export type PullPhase = 'preparing' | 'downloading' | 'extracting' | 'placing' | 'done';

export interface PullProgress {
  phase: PullPhase;
  bytesDownloaded: number;
  /** Uncompressed size of what was requested, when Box told us (folder `size`). */
  totalBytesEstimate?: number;
  filesDone: number;
  /** Files in the archive, once the status endpoint or the archive itself has said. */
  totalFiles?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  /**
   * 0..1 over the whole job, when it can be estimated. Never smaller than in an earlier event of the same pull: a
   * fresh download after a failed one keeps the mark already reached until it is passed (see `attempt`).
   */
  fraction?: number;
  /** Which download this is: 1 for the first; 2 and up after a failed one was started over with a fresh ZIP. */
  attempt?: number;
  /** Downloads this pull may start in all, the first included. */
  maxAttempts?: number;
  /**
   * Seconds since the last byte arrived, once that is long enough to say so (`stallAfterMs`). Set only while
   * downloading; `bytesPerSecond` has decayed to 0 by then.
   */
  stalledSeconds?: number;
  /** While a planned pull lists the tree (phase `preparing`): folders listed so far. */
  foldersListed?: number;
}

export interface ProgressCounters {
  phase: PullPhase;
  bytesDownloaded: number;
  totalBytesEstimate?: number;
  filesDone: number;
  totalFiles?: number;
  attempt?: number;
  maxAttempts?: number;
  foldersListed?: number;
}

/** Share of the whole job given to the download; extraction and placement take the rest. */
const DOWNLOAD_SHARE = 0.8;
/** Rate is averaged over this window so that one slow chunk does not make the ETA jump. */
const RATE_WINDOW_MS = 3000;
const SAMPLE_STEP_MS = 50;
/** No byte for this long while downloading, and progress says "stalled". */
export const DEFAULT_STALL_AFTER_MS = 5000;

export class ProgressTracker {
  private lastEmit = 0;
  private lastPhase: PullPhase | undefined;
  private readonly samples: { at: number; bytes: number }[] = [];
  /** When the byte count last grew (or the download started): how long the connection has been silent. */
  private lastByteAt = 0;
  /** The largest fraction reported so far: a retry or a second extraction pass restarts the counters from zero. */
  private highWater: number | undefined;

  constructor(
    private readonly emit: ((progress: PullProgress) => void) | undefined,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
    private readonly stallAfterMs = DEFAULT_STALL_AFTER_MS,
  ) {}

  /** Reports the counters; drops the event if one went out less than `intervalMs` ago in the same phase. */
  update(counters: ProgressCounters, force = false): void {
    const at = this.now();
    this.recordSample(at, counters.bytesDownloaded);
    if (counters.phase !== this.lastPhase) this.lastByteAt = at;
    if (!this.emit) return;
    const phaseChanged = counters.phase !== this.lastPhase;
    if (!force && !phaseChanged && at - this.lastEmit < this.intervalMs) return;
    this.lastEmit = at;
    this.lastPhase = counters.phase;
    this.emit(this.compute(counters, at));
  }

  private recordSample(at: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples.length = 0; // a new attempt started from zero
    if (!last || bytes !== last.bytes) this.lastByteAt = at;
    // Updates come per chunk and per file (tens of thousands a second with several streams): samples closer than
    // a step are merged into the newest, so the window holds a few dozen and dropping old ones stays cheap.
    const previous = this.samples[this.samples.length - 2];
    if (last && previous && at - previous.at < SAMPLE_STEP_MS)
      this.samples[this.samples.length - 1] = { at, bytes };
    else this.samples.push({ at, bytes });
    this.dropOldSamples(at);
  }

  /** Keeps the samples inside the window, and the last one before it (the baseline the window's bytes count from). */
  private dropOldSamples(at: number): void {
    while (this.samples.length > 1 && at - this.samples[1].at >= RATE_WINDOW_MS) this.samples.shift();
  }

  /**
   * Bytes that arrived over the window ending now, not at the last chunk: when the connection goes silent, the
   * rate falls to 0 within the window instead of showing the last good speed for minutes.
   */
  private bytesPerSecond(at: number): number {
    this.dropOldSamples(at);
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || at <= first.at) return 0;
    return ((last.bytes - first.bytes) * 1000) / (at - first.at);
  }

  private compute(counters: ProgressCounters, at: number): PullProgress {
    const bytesPerSecond = this.bytesPerSecond(at);
    const progress: PullProgress = { ...counters, bytesPerSecond };
    progress.fraction = this.monotonic(estimateFraction(counters));
    if (counters.phase === 'downloading') {
      const silentMs = at - this.lastByteAt;
      if (silentMs >= this.stallAfterMs) progress.stalledSeconds = Math.floor(silentMs / 1000);
      // From the bytes arriving now. Past the estimate (a stored archive is larger than its folder) nobody knows
      // how much is left, so no time is claimed; while bytes still come, never "0:00 left".
      const remaining = (counters.totalBytesEstimate ?? 0) - counters.bytesDownloaded;
      if (remaining > 0 && bytesPerSecond > 0 && progress.stalledSeconds === undefined) {
        progress.etaSeconds = Math.max(1, remaining / bytesPerSecond);
      }
    }
    if (counters.phase === 'done') {
      progress.fraction = 1;
      progress.etaSeconds = 0;
    }
    return progress;
  }

  /** A bar that slides back looks broken; holding the mark (the formatters say "retrying") tells the truth. */
  private monotonic(fraction: number | undefined): number | undefined {
    if (fraction !== undefined) this.highWater = Math.max(this.highWater ?? 0, fraction);
    // Unknown now (no size estimate) after something was shown: keep showing it rather than drop the percentage.
    return this.highWater !== undefined && this.highWater > 0 ? this.highWater : fraction;
  }
}

/**
 * The one writer of a pull's progress counters: each method says what happened, and reports it through the
 * tracker (phase changes at once, the rest throttled).
 */
export class PullProgressReporter {
  private readonly counters: ProgressCounters = { phase: 'preparing', bytesDownloaded: 0, filesDone: 0 };

  constructor(private readonly tracker: ProgressTracker) {
    tracker.update(this.counters, true);
  }

  get bytesDownloaded(): number {
    return this.counters.bytesDownloaded;
  }

  estimate(totalBytes: number | undefined): void {
    this.counters.totalBytesEstimate = totalBytes;
  }

  /** A download starts (again): its counts start from zero, the tracker holds the fraction already shown. */
  startAttempt(attempt: number, maxAttempts?: number): void {
    Object.assign(this.counters, { attempt, maxAttempts, bytesDownloaded: 0, filesDone: 0 });
  }

  /**
   * A fresh ZIP replaces one discarded within this attempt (attempt.ts): like a new attempt's, its bytes and files
   * count from zero, so that the discarded archive's bytes are not counted with the fresh one's.
   */
  restartDownload(): void {
    Object.assign(this.counters, { bytesDownloaded: 0, filesDone: 0 });
  }

  /** Re-sends the counters as they are, so that a silent connection shows its rate falling and the stall. */
  tick(): void {
    this.tracker.update(this.counters, true);
  }

  /** The listing of a planned pull has reached this many folders; `final` always reports (the count when done). */
  listed(folders: number, final = false): void {
    this.counters.foldersListed = folders;
    this.tracker.update(this.counters, final);
  }

  enter(phase: PullPhase): void {
    this.counters.phase = phase;
    this.tracker.update(this.counters, true);
  }

  downloaded(bytes: number): void {
    this.counters.bytesDownloaded += bytes;
    this.tracker.update(this.counters);
  }

  /**
   * Files extracted so far in this attempt. Never lower than an earlier count: the central directory pass and a
   * second pass after a mismatch count again from zero, and a count that runs backwards looks like lost work.
   */
  filesDone(files: number): void {
    this.counters.filesDone = Math.max(this.counters.filesDone, files);
    this.tracker.update(this.counters);
  }

  /** `authoritative` replaces an earlier count (Box's final status); otherwise only a missing one is filled in. */
  totalFiles(files: number, authoritative = false): void {
    if (authoritative || this.counters.totalFiles === undefined) this.counters.totalFiles = files;
  }
}

function estimateFraction(counters: ProgressCounters): number | undefined {
  const { phase, bytesDownloaded, totalBytesEstimate, filesDone, totalFiles } = counters;
  switch (phase) {
    case 'preparing':
      return 0;
    case 'downloading':
      // A deflated archive is smaller than the folder, so this undershoots and then jumps: acceptable, and never > 1.
      return totalBytesEstimate
        ? Math.min(0.99, bytesDownloaded / totalBytesEstimate) * DOWNLOAD_SHARE
        : undefined;
    case 'extracting':
    case 'placing':
      return DOWNLOAD_SHARE + (totalFiles ? Math.min(1, filesDone / totalFiles) : 0) * (1 - DOWNLOAD_SHARE);
    case 'done':
      return 1;
  }
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * `1.2 MB`, `340 KB`, `130 B`: decimal units, as file managers show them; whole bytes, one decimal below 10 of a
 * larger unit. A rate is a fraction of bytes (`129.63732629186376`), so bytes are rounded too, and a value that
 * rounds up to 1000 moves to the next unit (`1.0 MB`, not `1000 KB`).
 */
export function formatBytes(bytes: number): string {
  let value = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  let unit = 0;
  let text = String(Math.round(value));
  while (Number(text) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
    const oneDecimal = value.toFixed(1);
    text = Number(oneDecimal) < 10 ? oneDecimal : value.toFixed(0);
  }
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** `0:41`, `1:02:03`, `27:46:40`; a time nobody can know (NaN, Infinity) reads `-:--` rather than `NaN:NaN`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-:--';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
