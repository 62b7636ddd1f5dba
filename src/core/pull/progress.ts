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
  /** 0..1 over the whole job, when it can be estimated. */
  fraction?: number;
}

export interface ProgressCounters {
  phase: PullPhase;
  bytesDownloaded: number;
  totalBytesEstimate?: number;
  filesDone: number;
  totalFiles?: number;
}

/** Share of the whole job given to the download; extraction and placement take the rest. */
const DOWNLOAD_SHARE = 0.8;
/** Rate is averaged over this window so that one slow chunk does not make the ETA jump. */
const RATE_WINDOW_MS = 3000;

export class ProgressTracker {
  private lastEmit = 0;
  private lastPhase: PullPhase | undefined;
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly emit: ((progress: PullProgress) => void) | undefined,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Reports the counters; drops the event if one went out less than `intervalMs` ago in the same phase. */
  update(counters: ProgressCounters, force = false): void {
    const at = this.now();
    this.recordSample(at, counters.bytesDownloaded);
    if (!this.emit) return;
    const phaseChanged = counters.phase !== this.lastPhase;
    if (!force && !phaseChanged && at - this.lastEmit < this.intervalMs) return;
    this.lastEmit = at;
    this.lastPhase = counters.phase;
    this.emit(this.compute(counters));
  }

  private recordSample(at: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples.length = 0; // a new attempt started from zero
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0].at > RATE_WINDOW_MS) this.samples.shift();
  }

  private bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  private compute(counters: ProgressCounters): PullProgress {
    const bytesPerSecond = this.bytesPerSecond();
    const progress: PullProgress = { ...counters, bytesPerSecond };
    progress.fraction = estimateFraction(counters);
    if (counters.phase === 'downloading' && counters.totalBytesEstimate && bytesPerSecond > 0) {
      const remaining = Math.max(0, counters.totalBytesEstimate - counters.bytesDownloaded);
      progress.etaSeconds = remaining / bytesPerSecond;
    }
    if (counters.phase === 'done') {
      progress.fraction = 1;
      progress.etaSeconds = 0;
    }
    return progress;
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

/** `1.2 MB`, `340 KB`: decimal units, as file managers show them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `0:41`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
