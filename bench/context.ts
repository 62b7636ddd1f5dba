// What every suite gets from the bench's main: where things are and how many runs to make.
import type { BenchProfile } from './corpusSpecs';
import type { BuildSnapshot } from './snapshot';

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
  /** The CLI, emulator and extraction worker under test, frozen when the run started. */
  snapshot: BuildSnapshot;
  log(line: string): void;
  /** Records a failed run; the bench exits non-zero at the end. */
  recordFailure(message: string): void;
}
