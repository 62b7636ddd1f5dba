// Runs contenders alternately (A B A B ...), each run in a fresh empty folder, so page cache, disk writeback and CPU
// boost affect every contender alike. The folders are removed only after the row's last run, and then the row waits
// out the file system's memory of them (`settleAfterRemoving`): on ext4 without a journal, creating a file walks past
// every inode freed in the last minute, so a run that followed the removal of the previous run's 20,000 files paid
// seconds of system time for it (unzip of 20,000 files: 0.5 s of system time fresh, 7 s after two such removals;
// bench/results.md, session 8), and which contender paid depended on the order.
import { execFile } from 'node:child_process';
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext } from './context';
import { compare, type Comparison } from './results';
import { RunFailure, timedRun, type Invocation, type RunSample } from './timedRun';

const execFileAsync = promisify(execFile);
const DISK_SAMPLE_MS = 10;
/** ext4 keeps a freed inode from reuse, and checks it on every file creation, for 60 s (`recently_deleted`). */
const INODE_MEMORY_MS = 61_000;
/** Below this many removed entries the check costs too little to wait for. */
const SETTLE_FROM_ENTRIES = 1000;

export interface Contender {
  name: string;
  /** The command for one run, given its fresh empty folder. */
  invocation(runDir: string): Promise<Invocation>;
  /** Throws unless the run left the right output; `thorough` also compares every byte with the corpus. */
  verify(runDir: string, thorough: boolean): Promise<void>;
  /** Sample the space allocated under the run folder during the run. */
  measureDisk?: boolean;
}

export interface AlternateOptions {
  runs: number;
  /** Where run folders are made (on the file system under test). */
  workDir: string;
  /** One untimed run of each contender first, so caches and the JIT of the emulator are warm. */
  warmup: boolean;
  log: (line: string) => void;
  /** A failed run (non-zero exit or wrong output) is reported here and left out; the other runs go on. */
  onFailure: (message: string) => void;
}

export async function alternate(contenders: Contender[], options: AlternateOptions): Promise<RunSample[][]> {
  const samples: RunSample[][] = contenders.map(() => []);
  const compared = contenders.map(() => false);
  const total = options.runs + (options.warmup ? 1 : 0);
  const runDirs: string[] = [];
  try {
    for (let round = 0; round < total; round++) {
      const warmup = options.warmup && round === 0;
      const label = warmup ? 'warm-up' : `run ${round + (options.warmup ? 0 : 1)}/${options.runs}`;
      for (const [index, contender] of contenders.entries()) {
        // Every byte is compared on the first timed run that succeeds.
        const thorough = !warmup && !compared[index];
        const runDir = path.join(options.workDir, `run-${runDirs.length}`);
        runDirs.push(runDir);
        try {
          const sample = await runOnce(contender, runDir, options.workDir, thorough);
          compared[index] ||= thorough;
          options.log(
            `    ${contender.name} ${label}: ${sample.wallSeconds.toFixed(3)} s ` +
              `(CPU ${sample.cpuSeconds.toFixed(2)} s), ${sample.peakRssMb.toFixed(0)} MB`,
          );
          if (!warmup) samples[index].push(sample);
        } catch (error) {
          if (!(error instanceof RunFailure)) throw error;
          const message = `${contender.name} ${label} failed: ${error.message}`;
          options.log(`    ${message}`);
          options.onFailure(message);
        }
      }
    }
  } finally {
    await settleAfterRemoving(runDirs, options.log);
  }
  return samples;
}

/**
 * Removes the row's run folders, then, if they held many entries, waits until the file system no longer checks
 * their freed inodes on each file it creates, so that the next row's runs do not pay for this row's output.
 */
async function settleAfterRemoving(dirs: string[], log: (line: string) => void): Promise<void> {
  let entries = 0;
  for (const dir of dirs) {
    entries += await countEntries(dir);
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (entries < SETTLE_FROM_ENTRIES) return;
  await execFileAsync('sync');
  log(
    `    (removed ${entries.toLocaleString('en-US')} entries; waiting ${INODE_MEMORY_MS / 1000} s before the next row)`,
  );
  await new Promise((resolve) => setTimeout(resolve, INODE_MEMORY_MS));
}

async function countEntries(dir: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = entries.length;
  for (const entry of entries) {
    if (entry.isDirectory()) total += await countEntries(path.join(dir, entry.name));
  }
  return total;
}

async function runOnce(
  contender: Contender,
  runDir: string,
  workDir: string,
  thorough: boolean,
): Promise<RunSample> {
  await fs.rm(runDir, { recursive: true, force: true });
  await fs.mkdir(runDir, { recursive: true });
  // Flush the previous run's writes so they are not charged to this one.
  await execFileAsync('sync');
  const invocation = await contender.invocation(runDir);
  const disk = contender.measureDisk ? DiskSampler.start(runDir) : undefined;
  let sample: RunSample;
  try {
    sample = await timedRun(invocation, path.join(workDir, 'time.txt'));
  } finally {
    await disk?.stop();
  }
  if (disk) sample.peakDiskBytes = disk.peakBytes;
  try {
    await contender.verify(runDir, thorough);
  } catch (error) {
    throw new RunFailure(`${contender.name} produced wrong output: ${(error as Error).message}`);
  }
  return sample;
}

/**
 * Peak space allocated under the run folder (st_blocks of every file, as `du` counts it; ext4 includes blocks
 * reserved by delayed allocation), sampled one walk after another. Counting the run folder rather than the file
 * system's free space keeps other processes' writes out of the figure; the run's TMPDIR points inside it too.
 * A spike shorter than one walk (the archive is deleted right after the last entry is written) can be missed by
 * at most the bytes written during one walk.
 */
class DiskSampler {
  peakBytes = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  private constructor(private readonly dir: string) {}

  static start(dir: string): DiskSampler {
    const sampler = new DiskSampler(dir);
    sampler.done = sampler.loop();
    return sampler;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const used = await allocatedBytes(this.dir);
      if (used > this.peakBytes) this.peakBytes = used;
      await new Promise((resolve) => setTimeout(resolve, DISK_SAMPLE_MS));
    }
  }
}

/**
 * Files come and go while the run works (renames, the archive's removal): vanished entries count as nothing, and a
 * file moved from staging into place during the walk is counted once (by inode), not once in each folder.
 */
async function allocatedBytes(dir: string, seen = new Set<number>()): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const target = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      total += await allocatedBytes(target, seen);
      continue;
    }
    try {
      const stat = await fs.lstat(target);
      if (seen.has(stat.ino)) continue;
      seen.add(stat.ino);
      total += stat.blocks * 512;
    } catch {
      // Gone since the readdir.
    }
  }
  return total;
}

/**
 * One comparison row: `ours` and `baseline` run in turn (`alternate`) under the bench's runs and failure log, then
 * compared against `limit`. `corpus` is read after the runs, so it may carry what they measured (archive bytes).
 */
export async function timedComparison(
  ctx: Pick<BenchContext, 'runs' | 'workDir' | 'log' | 'recordFailure'>,
  ours: Contender,
  baseline: Contender,
  options: { warmup: boolean; limit: number; corpus: () => Parameters<typeof compare>[0] },
): Promise<Comparison> {
  const [oursSamples, baselineSamples] = await alternate([ours, baseline], {
    runs: ctx.runs,
    workDir: ctx.workDir,
    warmup: options.warmup,
    log: ctx.log,
    onFailure: ctx.recordFailure,
  });
  return compare(
    options.corpus(),
    { name: ours.name, samples: oursSamples },
    { name: baseline.name, samples: baselineSamples },
    options.limit,
  );
}
