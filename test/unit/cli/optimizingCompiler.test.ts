import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const MODULE = path.resolve(__dirname, '../../../src/cli/optimizingCompiler.js');

/**
 * A program that runs a hot function while the compiler is held, then after `resume` (or, with `wait`, after the
 * hold has run out by itself), and prints whether V8 had optimized it at each point (`%GetOptimizationStatus`, bit
 * 4: optimized).
 */
function program(wait: boolean): string {
  return `
    const { holdOptimizingCompiler } = require(${JSON.stringify(MODULE)});
    function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
    const optimized = () => (%GetOptimizationStatus(hot) & 16) !== 0;
    const run = () => { for (let k = 0; k < 2000; k++) hot(2000); };
    (async () => {
      const resume = holdOptimizingCompiler(${wait ? 500 : 60_000});
      run();
      await new Promise((resolve) => setTimeout(resolve, 100));
      run();
      const whileHeld = optimized();
      if (${wait}) await new Promise((resolve) => setTimeout(resolve, 600));
      else resume();
      for (let round = 0; round < 50 && !optimized(); round++) {
        run();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      process.stdout.write(JSON.stringify({ whileHeld, after: optimized() }));
    })();`;
}

async function statuses(wait: boolean): Promise<{ whileHeld: boolean; after: boolean }> {
  const { stdout } = await execFileAsync(process.execPath, ['--allow-natives-syntax', '-e', program(wait)]);
  return JSON.parse(stdout) as { whileHeld: boolean; after: boolean };
}

// The hold works by a V8 flag set while the process runs (optimizingCompiler.ts): this is what would notice a Node
// whose V8 no longer reads it then, or never turns it back on.
describe('box-pull CLI: optimizing compiler held while a pull prepares', function () {
  this.timeout(60_000);

  it('optimizes nothing while held, and optimizes again once resumed', async function () {
    assert.deepEqual(await statuses(false), { whileHeld: false, after: true });
  });

  it('resumes by itself when the hold runs out', async function () {
    assert.deepEqual(await statuses(true), { whileHeld: false, after: true });
  });
});
