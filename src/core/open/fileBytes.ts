// A whole Box file read into memory for a read-only editor, with its SHA-1 computed on the way: the bytes say
// which version they are, even when the file changed on Box between its metadata and its content.
import { createHash } from 'node:crypto';
import type { FileContent } from '../box/client';

export interface FileBytes {
  bytes: Uint8Array;
  sha1: string;
}

export async function readFileBytes(
  open: (signal?: AbortSignal) => Promise<FileContent>,
  options: { signal?: AbortSignal; onBytes?: (received: number, total: number | undefined) => void } = {},
): Promise<FileBytes> {
  const content = await open(options.signal);
  const hash = createHash('sha1');
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of content.body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    chunks.push(chunk);
    received += chunk.length;
    options.onBytes?.(received, content.size);
  }
  return { bytes: Buffer.concat(chunks, received), sha1: hash.digest('hex') };
}
