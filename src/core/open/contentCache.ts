// Bytes of Box files opened read-only, kept in memory and bounded by their total size. Entries are keyed by the
// file's id and its version (SHA-1, else etag), so a file that changed on Box is a miss and is fetched again.
// Least recently used entries go first; the newest entry always stays, even when it alone is over the bound,
// because the editor reads it right after it was fetched.

export interface ContentKey {
  id: string;
  /** Box's SHA-1 of the content, or its etag when there is none. */
  version: string;
}

export const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024;

export class ContentCache {
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_CACHE_BYTES) {}

  get(key: ContentKey): Uint8Array | undefined {
    const name = keyOf(key);
    const content = this.entries.get(name);
    if (content !== undefined) {
      this.entries.delete(name);
      this.entries.set(name, content);
    }
    return content;
  }

  set(key: ContentKey, content: Uint8Array): void {
    const name = keyOf(key);
    this.delete(name);
    this.entries.set(name, content);
    this.bytes += content.byteLength;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes || oldest === name) break;
      this.delete(oldest);
    }
  }

  /** Total bytes held (for tests and the log). */
  get size(): number {
    return this.bytes;
  }

  private delete(name: string): void {
    const content = this.entries.get(name);
    if (content === undefined) return;
    this.entries.delete(name);
    this.bytes -= content.byteLength;
  }
}

function keyOf({ id, version }: ContentKey): string {
  return `${id}\0${version}`;
}
