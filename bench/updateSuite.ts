// "Pull updates" (#13): each row is an update of an earlier pull, timed in one run against a full pull of the same
// folder (alternating, fresh folders, as every suite). The emulator runs in this process, so its counters (ZIPs,
// content downloads, listing requests) can be read per run and a folder can be renamed on "Box" with its ids kept;
// the pulls are CLI child processes under GNU time, and the bench's event loop does nothing else while they run.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type EmulatorStats, type RunningEmulator } from '../src/emulator/index';
import { alternate, type Contender } from './alternate';
import { checkTree } from './checkTree';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import type { CorpusSpec } from './corpusSpecs';
import { mb } from './format';
import { compare, type Comparison } from './results';
import { walkFiles } from './trees';
import {
  changedCount,
  changeFile,
  chooseChanged,
  copyKeepingTimes,
  expectedListingRequests,
  itemsPerFolder,
  linkCopy,
} from './updateChanges';
import type { Invocation } from './timedRun';
import type { UpdateRow } from './options';
import type { CrossoverPoint } from './updateCrossover';

const execFileAsync = promisify(execFile);

/** Update / full pull, from the issue; the rename row's target is bytes (none), its ratio is reported. */
export const UPDATE_LIMITS: Record<ComparedRow, number> = {
  nothing: 0.1,
  'one-percent': 0.15,
  'twenty-percent': 0.5,
  rename: Infinity,
};
const FRACTIONS = { nothing: 0, 'one-percent': 0.01, 'twenty-percent': 0.2 } as const;
/** The folder of the rename corpus that is renamed on Box. */
const RENAMED = { from: 'big', to: 'big-renamed' };

/** The rows that compare an update with a full pull (the crossover is its own table). */
export type ComparedRow = Exclude<UpdateRow, 'crossover'>;

/** What the updates suite reports: a row left out (--row, or quick mode) is absent. */
export interface UpdateResults {
  rows: UpdateRowResult[];
  crossover?: CrossoverPoint[];
}

export interface UpdateRowResult extends Comparison {
  row: ComparedRow;
  /** Files changed on Box, or moved by the rename. */
  changed: number;
  /** Per update run (warm-up included), from the emulator's counters. */
  zipCreates: number[];
  contentDownloads: number[];
  listingRequests: number[];
  folders: number;
  expectedListingRequests: number;
  /** From one untimed `--json` update run: the CLI's own report. */
  bytesDownloaded: number;
  updated: number;
  moved: number;
  unchanged: number;
}

/** A 200 MB folder (full mode) beside a few small files, for the rename row; quick mode makes it 16 MB. */
export function renameCorpusSpec(quick: boolean): CorpusSpec {
  const MB = 1024 * 1024;
  const [count, bytes] = quick ? [4, 4 * MB] : [8, 25 * MB];
  const name = quick ? 'quick-update-rename' : 'full-update-rename';
  return {
    name,
    label: `folder of ${(count * bytes) / MB} MB renamed`,
    seed: `box-pull-bench-1:${name}`,
    zip: false,
    groups: [
      { prefix: RENAMED.from, kind: 'random', count, minBytes: bytes, maxBytes: bytes, filesPerFolder: 0 },
      { prefix: 'src', kind: 'text', count: 100, minBytes: 1024, maxBytes: 8 * 1024, filesPerFolder: 50 },
    ],
  };
}

/** The Box side of a row: the corpus hard-linked into its own emulator root, which the row may change. */
export interface BoxSide {
  emulator: RunningEmulator;
  /** The folder as Box now has it (what every pull must produce). */
  folderDir: string;
  folderId: string;
  /** A pull made before the change, with its state file: each update run starts from a copy of it. */
  seedDir: string;
  close(): Promise<void>;
}

export async function prepareBoxSide(ctx: BenchContext, corpus: Corpus, tag: string): Promise<BoxSide> {
  const root = path.join(ctx.workDir, `update-${tag}`, 'box');
  const folderDir = path.join(root, corpus.spec.name);
  await linkCopy(corpus.treeDir, folderDir);
  const emulator = await startEmulator({ root, faults: { maxZipFiles: 1_000_000 } });
  const folderId = emulator.idForPath(corpus.spec.name);
  const seedDir = path.join(ctx.workDir, `update-${tag}`, 'seed');
  // Untimed: also makes the emulator hash every file once, as the planned rows' warm-up does. A one-ZIP pull
  // records no file ids (the archive has none); the first update fills them in, and a rename on Box is known by
  // its id: so the seed is a folder pulled and then updated once, as a folder is after its first update.
  await runCli(ctx, emulator, folderId, seedDir, ['--full']);
  await runCli(ctx, emulator, folderId, seedDir, []);
  return { emulator, folderDir, folderId, seedDir, close: () => emulator.close() };
}

export async function updateRow(
  ctx: BenchContext,
  row: ComparedRow,
  corpus: Corpus,
): Promise<UpdateRowResult> {
  const box = await prepareBoxSide(ctx, corpus, row);
  try {
    let changed: number;
    if (row === 'rename') {
      const from = `${corpus.spec.name}/${RENAMED.from}`;
      changed = (await filesUnder(path.join(box.folderDir, RENAMED.from))).length;
      await box.emulator.renameKeepingIds(from, `${corpus.spec.name}/${RENAMED.to}`);
    } else {
      const files = await filesUnder(box.folderDir);
      const chosen = chooseChanged(files, changedCount(files.length, FRACTIONS[row]), row);
      for (const file of chosen) await changeFile(path.join(box.folderDir, file), row);
      changed = chosen.length;
    }
    ctx.log(`  update ${row}: ${changed} of ${corpus.fileCount} files, ${mb(corpus.totalBytes)}`);
    const now = { ...corpus, treeDir: box.folderDir };
    const counted = {
      zipCreates: [] as number[],
      contentDownloads: [] as number[],
      listingRequests: [] as number[],
    };
    const check = await checkRun(ctx, box);
    // Set when a run starts, read when it ends: the emulator's counters over that one update run.
    let pendingCount = () => {};
    const update: Contender = {
      name: 'update',
      invocation: async (runDir) => {
        await copyKeepingTimes(box.seedDir, path.join(runDir, 'out'));
        const before = { ...box.emulator.stats, byPath: { ...box.emulator.stats.byPath } };
        pendingCount = () => {
          const after = box.emulator.stats;
          counted.zipCreates.push(after.zipCreates - before.zipCreates);
          counted.contentDownloads.push(after.fileContentDownloads - before.fileContentDownloads);
          counted.listingRequests.push(listingRequests(after) - listingRequests(before));
        };
        return cliInvocation(ctx, box.emulator, box.folderId, path.join(runDir, 'out'), []);
      },
      verify: async (runDir, thorough) => {
        pendingCount();
        await checkTree(now, path.join(runDir, 'out'), thorough);
      },
    };
    const full: Contender = {
      name: 'full pull',
      invocation: async (runDir) =>
        cliInvocation(ctx, box.emulator, box.folderId, path.join(runDir, 'out'), ['--full']),
      verify: (runDir, thorough) => checkTree(now, path.join(runDir, 'out'), thorough),
    };
    const [updateSamples, fullSamples] = await alternate([update, full], {
      runs: ctx.runs,
      workDir: ctx.workDir,
      warmup: true,
      log: ctx.log,
      onFailure: ctx.recordFailure,
    });
    const perFolder = await itemsPerFolder(box.folderDir);
    return {
      ...compare(
        {
          name: corpus.spec.name,
          label: corpus.spec.label,
          files: corpus.fileCount,
          totalBytes: corpus.totalBytes,
        },
        { name: update.name, samples: updateSamples },
        { name: full.name, samples: fullSamples },
        UPDATE_LIMITS[row],
      ),
      row,
      changed,
      ...counted,
      folders: perFolder.length,
      expectedListingRequests: expectedListingRequests(perFolder),
      ...check,
    };
  } finally {
    await box.close();
    await fs.rm(path.join(ctx.workDir, `update-${row}`), { recursive: true, force: true });
  }
}

/** One untimed update with `--json`, for the CLI's own figures (bytes downloaded, updated, moved). */
async function checkRun(ctx: BenchContext, box: BoxSide) {
  const dest = path.join(ctx.workDir, 'update-check');
  await copyKeepingTimes(box.seedDir, dest);
  try {
    const done = await runCli(ctx, box.emulator, box.folderId, dest, ['--json']);
    const update = done.update as { updated: string[]; moved: unknown[]; unchanged: number } | undefined;
    if (!update) throw new Error('the pull was not an update (no state file found?)');
    return {
      bytesDownloaded: Number(done.bytesDownloaded),
      updated: update.updated.length,
      moved: update.moved.length,
      unchanged: update.unchanged,
    };
  } finally {
    await fs.rm(dest, { recursive: true, force: true });
  }
}

/** What the CLI needs of an emulator, in this process or a child. */
type Api = Pick<RunningEmulator, 'baseUrl' | 'token'>;

export function cliInvocation(
  ctx: BenchContext,
  emulator: Api,
  folderId: string,
  dest: string,
  extra: string[],
): Invocation {
  return {
    command: process.execPath,
    args: [
      ctx.snapshot.cli,
      'pull',
      folderId,
      '--dest',
      dest,
      '--api-url',
      emulator.baseUrl,
      '--quiet',
      ...extra,
    ],
    // Through the environment, as the other suites do: the token stays out of the process list.
    env: { BOX_TOKEN: emulator.token },
    secrets: [emulator.token],
  };
}

/** Runs the CLI untimed; with `--json`, returns its `done` event. */
export async function runCli(
  ctx: BenchContext,
  emulator: Api,
  folderId: string,
  dest: string,
  extra: string[],
): Promise<Record<string, unknown>> {
  const invocation = cliInvocation(ctx, emulator, folderId, dest, extra);
  const { stdout } = await execFileAsync(invocation.command, invocation.args, {
    env: { ...process.env, ...invocation.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const done = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((event) => event.event === 'done');
  return done ?? {};
}

function listingRequests(stats: EmulatorStats): number {
  return Object.entries(stats.byPath)
    .filter(([key]) => /^GET \/2\.0\/folders\/\d+\/items$/.test(key))
    .reduce((sum, [, count]) => sum + count, 0);
}

/** Relative posix paths of every file below `dir`. */
export async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const file of walkFiles(dir)) files.push(file.relativePath);
  return files;
}
