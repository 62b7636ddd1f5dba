// A full garbage collection on demand, so that a memory figure counts live bytes, not garbage waiting for the
// collector (a test process runs many tests; what earlier ones dropped is still counted until collected).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}
