// The crossover of #13: for k changed files, an update by `GET /files/{id}/content` (a few at a time) against the
// same update by a ZIP of file ids, each forced through the internal `contentDownloadsUpTo`, with and without
// latency on every API answer. The pull runs in this process (the option is not a CLI flag) and is timed from call
// to return; the emulators are child processes, one per latency, serving the same root, so their work never
// shares this event loop.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { BoxClient } from '../src/core/box/client';
import { pull, type PullReport } from '../src/core/pull/pull';
import { compareTrees } from './trees';
import { STATE_FILE } from '../src/core/state/pullState';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import { startEmulatorProcess, type EmulatorProcess } from './emulatorProcess';
import { median } from './results';
import { changeFile, chooseChanged, copyKeepingTimes, linkCopy } from './updateChanges';
import { filesUnder, runCli } from './updateSuite';
import { idForPath } from '../src/emulator/index';

const execFileAsync = promisify(execFile);

export const CROSSOVER_KS = [1, 2, 4, 8, 16, 32, 64];
export const CROSSOVER_LATENCIES_MS = [0, 50];
export type CrossoverMode = 'content' | 'zip';

export interface CrossoverPoint {
  mix: string;
  k: number;
  latencyMs: number;
  /** Milliseconds of each timed run, the whole update. */
  contentMs: number[];
  zipMs: number[];
  /** The part that differs between the two: from the first download request to the last file fetched. */
  contentFetchMs: number[];
  zipFetchMs: number[];
  bytes: number;
}

export interface CrossoverMix {
  /** Label, e.g. "text files of 1–8 KB". */
  mix: string;
  corpus: Corpus;
  /** Only files under this folder of the corpus change ('' for any). */
  under: string;
  ks: number[];
}

/** Adds each point to `points` as it is measured, so a failure later keeps what was measured before it. */
export async function crossover(
  ctx: BenchContext,
  mixes: CrossoverMix[],
  points: CrossoverPoint[],
): Promise<void> {
  for (const mix of mixes) await crossoverOf(ctx, mix, points);
}

async function crossoverOf(ctx: BenchContext, mix: CrossoverMix, points: CrossoverPoint[]): Promise<void> {
  const { corpus } = mix;
  const base = path.join(ctx.workDir, 'update-crossover', corpus.spec.name);
  const root = path.join(base, 'box');
  const folderDir = path.join(root, corpus.spec.name);
  await linkCopy(corpus.treeDir, folderDir);
  const emulators: [number, EmulatorProcess][] = [];
  try {
    for (const latency of CROSSOVER_LATENCIES_MS) {
      const flags = ['--max-zip-files', '1000000', '--latency-ms', String(latency)];
      emulators.push([latency, await startEmulatorProcess(ctx.snapshot.emulator, root, flags)]);
    }
    const folderId = idForPath(corpus.spec.name);
    // One seed per emulator: the state file names its API origin, and another origin's would be foreign.
    const seedOf = (latencyMs: number) => path.join(base, `seed-${latencyMs}`);
    for (const [latencyMs, emulator] of emulators) {
      await runCli(ctx, emulator, folderId, seedOf(latencyMs), ['--full']);
    }
    const candidates = (await filesUnder(folderDir)).filter((file) => file.startsWith(mix.under));
    const order = chooseChanged(candidates, Math.max(...mix.ks), 'crossover');
    let changed = 0;
    for (const k of mix.ks) {
      for (; changed < k; changed++) await changeFile(path.join(folderDir, order[changed]), 'crossover');
      for (const [latencyMs, emulator] of emulators) {
        const point: CrossoverPoint = {
          mix: mix.mix,
          k,
          latencyMs,
          bytes: 0,
          contentMs: [],
          zipMs: [],
          contentFetchMs: [],
          zipFetchMs: [],
        };
        const dest = path.join(base, 'dest');
        // An update changes only the k files and the state file: putting those back restores the earlier pull,
        // far cheaper than copying 5,000 files before every run.
        const seed = seedOf(latencyMs);
        await copyKeepingTimes(seed, dest);
        // `cp -a`, not fs.cp: the state file compares modification times to the nanosecond.
        const restore = () =>
          execFileAsync('cp', ['-a', '--parents', ...order.slice(0, k), STATE_FILE, dest], { cwd: seed });
        const once = async (mode: CrossoverMode, thorough: boolean) => {
          const started = performance.now();
          const phases = new Map<string, number>();
          const report = await updateBy(emulator, folderId, dest, mode, (phase) => {
            if (!phases.has(phase)) phases.set(phase, performance.now());
          });
          const ms = performance.now() - started;
          check(report, mode, k);
          if (thorough) await compareTrees(folderDir, dest, new Set([STATE_FILE]));
          point.bytes = report.bytesDownloaded;
          await restore();
          return { ms, fetchMs: phases.get('placing')! - phases.get('downloading')! };
        };
        const timed = async (mode: CrossoverMode, thorough: boolean) => {
          const { ms, fetchMs } = await once(mode, thorough);
          (mode === 'content' ? point.contentMs : point.zipMs).push(ms);
          (mode === 'content' ? point.contentFetchMs : point.zipFetchMs).push(fetchMs);
        };
        // Untimed: the emulator hashes the files changed since its last listing.
        await once('content', false);
        for (let run = 0; run < ctx.runs; run++) {
          const thorough = run === 0 && latencyMs === 0;
          // Which goes first alternates too, so neither always follows the other's writes.
          const order: CrossoverMode[] = run % 2 === 0 ? ['content', 'zip'] : ['zip', 'content'];
          for (const mode of order) await timed(mode, thorough);
        }
        ctx.log(
          `    crossover ${mix.mix}, k ${k}, ${latencyMs} ms: content ${median(point.contentMs).toFixed(0)} ms ` +
            `(fetch ${median(point.contentFetchMs).toFixed(0)}), ZIP ${median(point.zipMs).toFixed(0)} ms ` +
            `(fetch ${median(point.zipFetchMs).toFixed(0)})`,
        );
        points.push(point);
      }
    }
  } finally {
    for (const [, emulator] of emulators) await emulator.stop();
    await fs.rm(base, { recursive: true, force: true });
  }
}

function updateBy(
  emulator: EmulatorProcess,
  folderId: string,
  destination: string,
  mode: CrossoverMode,
  onPhase: (phase: string) => void,
): Promise<PullReport> {
  const client = new BoxClient({
    baseUrl: emulator.baseUrl,
    tokenProvider: { getAccessToken: async () => emulator.token },
  });
  return pull({
    client,
    items: [{ type: 'folder', id: folderId }],
    destination,
    conflictPolicy: 'skip',
    options: { update: true, contentDownloadsUpTo: mode === 'content' ? Infinity : 0 },
    onProgress: (progress) => onPhase(progress.phase),
  });
}

/** Each run must be the update it claims to be: k files, all of them the forced way. */
function check(report: PullReport, mode: CrossoverMode, k: number): void {
  const update = report.update;
  if (!update) throw new Error('the pull was not an update');
  if (update.updated.length !== k) throw new Error(`${update.updated.length} files updated, expected ${k}`);
  const byContent = mode === 'content';
  if (byContent ? update.contentDownloads !== k : update.zipRequests < 1) {
    throw new Error(
      `forced ${mode}: ${update.contentDownloads} content downloads, ${update.zipRequests} ZIP requests`,
    );
  }
}
