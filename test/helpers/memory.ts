// A full garbage collection on demand, so that a memory figure counts live bytes, not garbage waiting for the
// collector (a test process runs many tests; what earlier ones dropped is still counted until collected).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // Twice: V8 frees array buffers' memory on a sweeper thread after a collection, and counts it in
  // `process.memoryUsage().arrayBuffers` only when that sweep ends; a collection first waits for the last one's.
  gc();
  gc();
}
