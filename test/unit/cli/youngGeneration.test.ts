import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const MODULE = path.resolve(__dirname, '../../../src/cli/youngGeneration.js');
const MB = 1024 * 1024;

/**
 * A program whose live set keeps growing across scavenges (as a pull's per-entry records do), yielding between
 * slices as the pipeline does; it prints the largest young generation it saw, in MB. With `cap`, capped first.
 * With `worker`, a thread starts halfway (as the writer threads do) while only garbage is made, then the live set
 * grows again.
 */
function program(cap: number | undefined, worker: boolean): string {
  return `
    const { Worker } = require('node:worker_threads');
    const { capYoungGeneration, newSpaceBytes } = require(${JSON.stringify(MODULE)});
    ${cap === undefined ? '' : `capYoungGeneration(${cap});`}
    (async () => {
      const kept = [];
      let largest = 0;
      for (let slice = 0; slice < 400; slice++) {
        if (${worker} && slice === 200) {
          const thread = new Worker('setTimeout(() => {}, 2000)', { eval: true });
          await new Promise((resolve) => thread.once('online', resolve));
          thread.unref();
        }
        const keep = !${worker} || slice < 200 || slice >= 220;
        for (let i = 0; i < 5000; i++) {
          const record = { index: i, name: 'entry ' + slice + '/' + i, parts: [slice, i] };
          if (keep) kept.push(record);
        }
        if (kept.length > 600000) kept.splice(0, 300000);
        largest = Math.max(largest, newSpaceBytes());
        await new Promise(setImmediate);
      }
      process.stdout.write(String(largest / ${MB}));
    })();`;
}

async function largestYoungGeneration(cap: number | undefined, worker = false): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, ['-e', program(cap, worker)]);
  return Number(stdout);
}

// The cap works by a V8 flag set while the process runs (youngGeneration.ts): this is what would notice a Node
// whose V8 no longer reads it, or reads it only at start.
describe('box-pull CLI: young generation cap', function () {
  this.timeout(60_000);

  it('stops the growth of the young generation at the cap', async function () {
    const free = await largestYoungGeneration(undefined);
    // Without the cap, the same program grows past it: otherwise the checks below would prove nothing.
    assert.ok(free > 4, `uncapped, the young generation reached only ${free} MB`);
    const capped = await largestYoungGeneration(4 * MB);
    assert.ok(capped <= 4, `capped at 4 MB, the young generation reached ${capped} MB`);
  });

  it('holds the cap after a thread starts (V8 resets the growth factor then)', async function () {
    const capped = await largestYoungGeneration(4 * MB, true);
    assert.ok(capped <= 4, `capped at 4 MB, the young generation reached ${capped} MB`);
  });
});
