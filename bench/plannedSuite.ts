// The planned path of "Pull any folder" (#12): a folder over Box's file limit, parallel capped streams, their
// peak memory, and the listing walk under latency. Ratios are measured in one run against a baseline beside them.
import { BoxClient } from '../src/core/box/client';
import { makeFilter } from '../src/core/pull/filters';
import { walkTree } from '../src/core/pull/listing';
import { idForPath, startEmulator } from '../src/emulator/index';
import { alternate, timedComparison } from './alternate';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import { describeCorpus, downloadContender, pullContender } from './e2eSuite';
import { startEmulatorProcess, warmEmulator, type EmulatorProcess } from './emulatorProcess';
import { mb } from './format';
import type { Comparison, PlannedResults, WalkResult } from './results';

export const OVER_LIMIT_RATIO = 1.15;
export const PARALLEL_RATIO = 0.4;
export const PARALLEL_RSS_MB = 150;
/** The walker's default (listing.ts): the ideal time is folders × latency / this. */
export const WALK_CONCURRENCY = 8;

export interface PlannedSuiteCorpora {
  overLimit: Corpus;
  /** Full mode only: quick corpora stay under the size from which a pull uses several streams. */
  capped?: Corpus;
  walk: Corpus;
}

/** Same emulator flags for every row: only the knob under test differs. */
async function withEmulator<T>(
  ctx: BenchContext,
  treesDir: string,
  flags: string[],
  corpus: Corpus,
  work: (emulator: EmulatorProcess) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulatorProcess(ctx.snapshot.emulator, treesDir, flags);
  try {
    await warmEmulator(emulator, [idForPath(corpus.spec.name)]);
    return await work(emulator);
  } finally {
    await emulator.stop();
  }
}

/**
 * (1) The same pull from two emulators, one with the file limit the row names and one with it lifted (one ZIP).
 * One untimed run of each comes first, even in quick mode: the emulator hashes each file on its first listing
 * (cached by path, size and time), and that must not be charged to the planned pull.
 */
export async function overLimitRow(
  ctx: BenchContext,
  treesDir: string,
  corpus: Corpus,
  maxFiles: number,
): Promise<Comparison> {
  ctx.log(
    `  over the limit: ${corpus.fileCount} files, ${mb(corpus.totalBytes)}, --max-zip-files ${maxFiles}`,
  );
  return withEmulator(ctx, treesDir, ['--max-zip-files', String(maxFiles)], corpus, (limited) =>
    withEmulator(ctx, treesDir, ['--max-zip-files', '1000000'], corpus, async (lifted) => {
      const ours = { ...pullContender(ctx, limited, corpus), name: `pull, limit ${maxFiles}` };
      const baseline = { ...pullContender(ctx, lifted, corpus), name: 'pull, one ZIP' };
      return timedComparison(ctx, ours, baseline, {
        warmup: true,
        limit: OVER_LIMIT_RATIO,
        corpus: () => describeCorpus(corpus),
      });
    }),
  );
}

const MiB = 1024 * 1024;
/** The pull's streams (plannedPull.ts's default): the cap is shared out over this many. */
const STREAMS = 3;
/** Share of the machine's uncapped rate the capped streams may take together, so the cap, not the CPU, binds. */
const CAPACITY_SHARE = 0.75;

/**
 * The stream cap the row runs at: the one asked for, lowered when this machine could not serve `STREAMS` streams at
 * that rate. The emulator builds the ZIP on the same cores that extract it (Box builds it on its own), so a 2-core
 * machine that makes one uncapped stream at ~31 MB/s cannot show three streams of 16 MB/s each: the pull would be
 * CPU-bound and the row would measure the machine, not the streams.
 */
export function cappedRate(requested: number, machineBytesPerSecond: number): number {
  const fits = Math.floor((machineBytesPerSecond * CAPACITY_SHARE) / STREAMS / MiB) * MiB;
  return Math.max(MiB, Math.min(requested, fits));
}

/**
 * (2) and (3): every stream capped; the pull's parallel streams against `curl` + `unzip` of one ZIP. One untimed
 * uncapped pull first measures what this machine can serve and extract at all (`cappedRate`).
 */
export async function cappedRow(
  ctx: BenchContext,
  treesDir: string,
  corpus: Corpus,
  requested: number,
): Promise<NonNullable<PlannedResults['capped']>> {
  const machineBytesPerSecond = await withEmulator(
    ctx,
    treesDir,
    ['--max-zip-files', '1000000'],
    corpus,
    (e) => uncappedRate(ctx, e, corpus),
  );
  const bytesPerSecond = cappedRate(requested, machineBytesPerSecond);
  ctx.log(
    `  capped streams: ${corpus.fileCount} files, ${mb(corpus.totalBytes)}, ${mb(bytesPerSecond)}/s each ` +
      `(asked ${mb(requested)}/s; uncapped, this machine serves and extracts ${mb(machineBytesPerSecond)}/s)`,
  );
  const flags = ['--max-zip-files', '1000000', '--bytes-per-second', String(bytesPerSecond)];
  const row = await withEmulator(ctx, treesDir, flags, corpus, async (emulator) => {
    const archive = { bytes: 0 };
    const ours = { ...pullContender(ctx, emulator, corpus), name: `pull, ${STREAMS} streams` };
    const baseline = downloadContender(emulator, corpus, archive, true);
    return timedComparison(ctx, ours, baseline, {
      warmup: false,
      limit: PARALLEL_RATIO,
      corpus: () => ({ ...describeCorpus(corpus), archiveBytes: archive.bytes }),
    });
  });
  return { ...row, bytesPerSecond, requestedBytesPerSecond: requested, machineBytesPerSecond };
}

/** Bytes per second of one untimed-for-the-row pull with nothing capped (the fastest of two runs). */
async function uncappedRate(ctx: BenchContext, emulator: EmulatorProcess, corpus: Corpus): Promise<number> {
  const [samples] = await alternate([pullContender(ctx, emulator, corpus)], {
    runs: 2,
    workDir: ctx.workDir,
    warmup: false,
    log: (line) => ctx.log(`  uncapped:${line}`),
    onFailure: ctx.recordFailure,
  });
  if (samples.length === 0) throw new Error('the uncapped pull that sets the stream cap failed');
  return corpus.totalBytes / Math.min(...samples.map((s) => s.wallSeconds));
}

/** (4) The listing walk in process (the request counter lives in the emulator's stats), every answer delayed. */
export async function walkRow(
  ctx: BenchContext,
  treesDir: string,
  corpus: Corpus,
  latencyMs: number,
): Promise<WalkResult> {
  const emulator = await startEmulator({ root: treesDir, faults: { latencyMs } });
  try {
    // A client per walk: the rate window (900 calls a minute) sits on the client, as Box's budget sits on the
    // user, so walks of 800 folders through one client would wait for each other's minute to pass.
    const freshClient = () =>
      new BoxClient({
        baseUrl: emulator.baseUrl,
        tokenProvider: { getAccessToken: async () => emulator.token },
      });
    const root = { id: emulator.idForPath(corpus.spec.name), name: corpus.spec.name };
    // Untimed: ids and hashes learned once, as for the other rows.
    await walkTree(freshClient(), root, { filter: makeFilter() });
    const result: WalkResult = { folders: 0, latencyMs, concurrency: WALK_CONCURRENCY, ms: [], requests: 0 };
    for (let run = 0; run < ctx.runs; run++) {
      const before = emulator.stats.apiRequests;
      const started = performance.now();
      const listing = await walkTree(freshClient(), root, {
        filter: makeFilter(),
        concurrency: WALK_CONCURRENCY,
      });
      result.ms.push(performance.now() - started);
      result.requests = emulator.stats.apiRequests - before;
      result.folders = listing.folders;
      ctx.log(
        `    walk run ${run + 1}/${ctx.runs}: ${listing.folders} folders, ${result.requests} requests, ` +
          `${(result.ms.at(-1)! / 1000).toFixed(2)} s`,
      );
    }
    return result;
  } finally {
    await emulator.close();
  }
}
