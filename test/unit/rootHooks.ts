import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Fails the unit suite when a FileHandle was left to the garbage collector ("Closing file descriptor N on garbage
 * collection", DEP0137): whoever opened it has a path that never closes it. Such a handle is closed whenever the
 * collector runs, so the suite collects at the end to see every one, and names the test that was running when a
 * warning arrived (the leak is in that test or an earlier one; `--trace-warnings` does not help, the stack is the
 * collector's). Loaded through .mocharc.json's `require`.
 */
const warnings: string[] = [];
let running = 'before the first test';

process.on('warning', (warning) => {
  if ((warning as { code?: string }).code === 'DEP0137' || /on garbage collection/.test(warning.message)) {
    warnings.push(`${warning.message} (while or after "${running}")`);
  }
});

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

export const mochaHooks = {
  beforeEach(this: Mocha.Context): void {
    running = this.currentTest?.fullTitle() ?? running;
  },
  async afterAll(): Promise<void> {
    collectGarbage();
    // The collector closes the handle at once; Node reports it on the next turns.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (warnings.length > 0) {
      throw new Error(
        `FileHandles were closed on garbage collection, not by their owner: ${warnings.join('; ')}`,
      );
    }
  },
};
