// What every suite gets from the bench's main: where things are and how many runs to make.
import type { BenchProfile } from './corpusSpecs';

export interface BenchContext {
  projectDir: string;
  corporaDir: string;
  /** Scratch folder for run outputs, on the same file system as the corpora; removed at the end. */
  workDir: string;
  runs: number;
  /** One untimed run of each command first (full mode; quick mode skips it to stay under a minute). */
  warmup: boolean;
  quick: boolean;
  profile: BenchProfile;
  log(line: string): void;
}
