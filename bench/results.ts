// The shape of the bench's results (what results.json holds and results.md renders), and small statistics.
import type { RunSample } from './timedRun';
import type { UpdateResults } from './updateSuite';

export interface ContenderResult {
  name: string;
  samples: RunSample[];
}

/** Our command against a baseline on one corpus. */
export interface Comparison {
  corpus: string;
  label: string;
  files: number;
  totalBytes: number;
  /** Bytes of the archive the contenders read (Info-ZIP's, or the emulator's ZIP stream). */
  archiveBytes?: number;
  ours: ContenderResult;
  baseline: ContenderResult;
  /** median(ours) / median(baseline). */
  ratio: number;
  limit: number;
}

export interface MemoryResult {
  corpus: string;
  label: string;
  files: number;
  totalBytes: number;
  allocatedBytes: number;
  archiveBytes: number;
  samples: RunSample[];
}

export interface TreeResult {
  entries: number;
  firstPageRequests: number;
  firstPageEntries: number;
  allRequests: number;
  allEntries: number;
  firstPageMs: number[];
  allMs: number[];
}

/** The listing walk of the planned path under latency: time and requests against the ideal. */
export interface WalkResult {
  folders: number;
  latencyMs: number;
  concurrency: number;
  ms: number[];
  requests: number;
}

/** "Pull any folder" (#12); a row left out (--row, or quick mode) is undefined. */
export interface PlannedResults {
  overLimit?: Comparison & { maxZipFiles: number };
  /** `bytesPerSecond`: the cap the row ran at, from `machineBytesPerSecond` (one uncapped pull; plannedSuite.ts). */
  capped?: Comparison & {
    bytesPerSecond: number;
    requestedBytesPerSecond?: number;
    machineBytesPerSecond?: number;
  };
  walk?: WalkResult;
}

export interface ExtensionResult {
  /** dist/extension.js as `npm run build` left it (not minified). */
  entryBytes: number;
  /** Other dist/*.js bundles (loaded lazily by the extension), name → bytes. */
  lazyBundles: Record<string, number>;
}

export interface TargetVerdict {
  target: string;
  measured: string;
  /** `not measured` when every run of a side failed. */
  verdict: 'met' | 'missed' | 'not measured';
}

export interface BenchResults {
  mode: 'full' | 'quick';
  date: string;
  environment: Record<string, string>;
  runs: number;
  extract: Comparison[];
  e2e: Comparison[];
  capped: Comparison[];
  cappedBytesPerSecond?: number;
  memory: MemoryResult[];
  tree?: TreeResult;
  planned?: PlannedResults;
  /** "Pull updates" (#13). */
  updates?: UpdateResults;
  extension?: ExtensionResult;
  targets: TargetVerdict[];
  failures: string[];
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function medianSeconds(result: ContenderResult): number {
  return median(result.samples.map((sample) => sample.wallSeconds));
}

/** NaN when there are no samples (every run failed). */
export function maxRssMb(samples: RunSample[]): number {
  return samples.length ? Math.max(...samples.map((sample) => sample.peakRssMb)) : NaN;
}

export function maxDiskBytes(samples: RunSample[]): number {
  return samples.length ? Math.max(...samples.map((sample) => sample.peakDiskBytes ?? 0)) : NaN;
}

export function compare(
  corpus: { name: string; label: string; files: number; totalBytes: number; archiveBytes?: number },
  ours: ContenderResult,
  baseline: ContenderResult,
  limit: number,
): Comparison {
  return {
    corpus: corpus.name,
    label: corpus.label,
    files: corpus.files,
    totalBytes: corpus.totalBytes,
    archiveBytes: corpus.archiveBytes,
    ours,
    baseline,
    ratio: medianSeconds(ours) / medianSeconds(baseline),
    limit,
  };
}
