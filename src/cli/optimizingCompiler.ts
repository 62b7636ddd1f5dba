/**
 * Holds back V8's optimizing compiler (TurboFan) while the CLI prepares a pull. Until a download starts, the work is
 * once per file or folder (listing, the state file, an update's plan) in a process that often ends right after it:
 * an update of 5,000 unchanged files spent about a fifth of its CPU (~135 ms of ~0.7 s, on V8's background threads)
 * compiling functions it then ran for a few more milliseconds. Interpreted and baseline code run it all the same.
 *
 * V8 reads the flag each time it decides to optimize, so it can be set while the process runs (like the young
 * generation's growth factor, youngGeneration.ts); `resume` turns it back on for the download and extraction, whose
 * loops run for every chunk and entry. A long preparation (a tree of many thousands of folders) is not left without
 * it: it comes back after `maxHoldMs` in any case.
 */
import * as v8 from 'node:v8';

export const MAX_HOLD_MS = 1000;

/** Turns the optimizing compiler off until the returned function is called, or `maxHoldMs` has passed. */
export function holdOptimizingCompiler(maxHoldMs = MAX_HOLD_MS): () => void {
  let held = true;
  v8.setFlagsFromString('--no-turbofan');
  const resume = (): void => {
    if (!held) return;
    held = false;
    clearTimeout(timer);
    v8.setFlagsFromString('--turbofan');
  };
  const timer = setTimeout(resume, maxHoldMs);
  timer.unref();
  return resume;
}
