// Runs contenders alternately (A B A B ...), each run in a fresh empty folder that is removed afterwards (not
// timed), so page cache, disk writeback and CPU boost affect every contender alike.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { RunFailure, timedRun, type Invocation, type RunSample } from './timedRun';

const execFileAsync = promisify(execFile);
const DISK_SAMPLE_MS = 20;

export interface Contender {
  name: string;
  /** The command for one run, given its fresh empty folder. */
  invocation(runDir: string): Promise<Invocation>;
  /** Throws unless the run left the right output; `thorough` also compares every byte with the corpus. */
  verify(runDir: string, thorough: boolean): Promise<void>;
  /** Sample the free space of the run folder's file system during the run. */
  measureDisk?: boolean;
}

export interface AlternateOptions {
  runs: number;
  /** Where run folders are made (on the file system under test). */
  workDir: string;
  /** One untimed run of each contender first, so caches and the JIT of the emulator are warm. */
  warmup: boolean;
  log: (line: string) => void;
}

export async function alternate(contenders: Contender[], options: AlternateOptions): Promise<RunSample[][]> {
  const samples: RunSample[][] = contenders.map(() => []);
  const total = options.runs + (options.warmup ? 1 : 0);
  for (let round = 0; round < total; round++) {
    const warmup = options.warmup && round === 0;
    for (const [index, contender] of contenders.entries()) {
      const sample = await runOnce(contender, options.workDir, !warmup && samples[index].length === 0);
      const label = warmup ? 'warm-up' : `run ${samples[index].length + 1}/${options.runs}`;
      options.log(
        `    ${contender.name} ${label}: ${sample.wallSeconds.toFixed(3)} s, ${sample.peakRssMb.toFixed(0)} MB`,
      );
      if (!warmup) samples[index].push(sample);
    }
  }
  return samples;
}

async function runOnce(contender: Contender, workDir: string, thorough: boolean): Promise<RunSample> {
  const runDir = path.join(workDir, 'run');
  await fs.rm(runDir, { recursive: true, force: true });
  await fs.mkdir(runDir, { recursive: true });
  // Flush the previous run's writes so they are not charged to this one.
  await execFileAsync('sync');
  try {
    const invocation = await contender.invocation(runDir);
    const disk = contender.measureDisk ? await DiskSampler.start(workDir) : undefined;
    let sample: RunSample;
    try {
      sample = await timedRun(invocation, path.join(workDir, 'time.txt'));
    } finally {
      disk?.stop();
    }
    if (disk) sample.peakDiskBytes = disk.peakBytes;
    try {
      await contender.verify(runDir, thorough);
    } catch (error) {
      throw new RunFailure(`${contender.name} produced wrong output: ${(error as Error).message}`);
    }
    return sample;
  } finally {
    await fs.rm(runDir, { recursive: true, force: true });
  }
}

/** Peak of (free space at start − free space now), sampled every few milliseconds. */
class DiskSampler {
  peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly dir: string,
    private readonly startFree: number,
  ) {}

  static async start(dir: string): Promise<DiskSampler> {
    const sampler = new DiskSampler(dir, await freeBytes(dir));
    sampler.timer = setInterval(() => void sampler.sample(), DISK_SAMPLE_MS);
    return sampler;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    const used = this.startFree - (await freeBytes(this.dir));
    if (used > this.peakBytes) this.peakBytes = used;
  }
}

async function freeBytes(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bfree * stats.bsize;
}
