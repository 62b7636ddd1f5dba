// Speed-up for the ZIP stream: yazl computes every entry's CRC-32 with the pure-JS `buffer-crc32` (about 250 MB/s
// here), which dominates store-mode streaming. Node ≥ 20.15 has a native `zlib.crc32` (about 10x faster). yazl calls
// `crc32.unsigned(chunk, previous)` through the module's export object, so swapping that one function makes yazl
// use the native one. Checked against the original on a sample first; any surprise leaves yazl untouched.
import * as zlib from 'node:zlib';

type Crc32Module = { unsigned(buffer: Buffer, previous?: number | Buffer): number };

let installed = false;

export function useNativeCrc32(): boolean {
  if (installed) return true;
  const native = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  if (typeof native !== 'function') return false;
  try {
    // Same module instance as yazl's own `require("buffer-crc32")` (CommonJS), in tsc output and in the bundle.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bufferCrc32 = require('buffer-crc32') as Crc32Module;
    const original = bufferCrc32.unsigned;
    const sample = Buffer.from('box emulator crc check \u00e9\u65e5');
    if (original(sample.subarray(7), original(sample.subarray(0, 7))) !== native(sample)) return false;
    bufferCrc32.unsigned = (buffer, previous = 0) =>
      native(buffer, Buffer.isBuffer(previous) ? previous.readUInt32BE(0) : previous);
    installed = true;
  } catch {
    return false;
  }
  return installed;
}
