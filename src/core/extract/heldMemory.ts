/**
 * The memory that lean archives (growingFile.ts) hold received bytes in, one budget for the whole process: the
 * parallel streams of a planned pull share it, instead of each holding its own window (three streams held up to
 * three windows). Bytes beyond the budget go to the archive's spill files, as bytes beyond a window always did.
 *
 * Received bytes are copied into slabs that are reused, rather than kept in the socket's own buffers: those stayed
 * alive until the reader released them, long enough to reach V8's old generation, so every byte of a download became
 * garbage that only a full collection frees (tens of megabytes of it at a time). A copy lets them die young.
 */
export const SLAB_BYTES = 256 * 1024;
/** Held in memory by every lean archive together; one archive alone may also use all of it. */
export const HELD_MEMORY_BYTES = 8 * 1024 * 1024;

/** A slab of the budget, filled front to back by one archive; `live` counts the held pieces in it. */
export interface Slab {
  readonly buffer: Buffer;
  used: number;
  live: number;
}

class HeldMemory {
  private readonly spare: Buffer[] = [];
  private taken = 0;
  private users = 0;

  constructor(private readonly maxSlabs: number) {}

  /** Slabs handed out now (for tests). */
  get slabsInUse(): number {
    return this.taken;
  }

  open(): void {
    this.users++;
  }

  /** The last archive closed: the spare slabs go, so an idle extension host keeps none. */
  close(): void {
    if (--this.users === 0) this.spare.length = 0;
  }

  /** `count` slabs at once, or none when the budget has no room for all of them. */
  take(count: number): Slab[] | undefined {
    if (this.taken + count > this.maxSlabs) return undefined;
    this.taken += count;
    return Array.from({ length: count }, () => ({
      buffer: this.spare.pop() ?? Buffer.allocUnsafe(SLAB_BYTES),
      used: 0,
      live: 0,
    }));
  }

  give(slab: Slab): void {
    this.taken--;
    if (this.users > 0) this.spare.push(slab.buffer);
  }
}

export const heldMemory = new HeldMemory(HELD_MEMORY_BYTES / SLAB_BYTES);

/** Where one copied part of a chunk lies: `length` bytes at `offset` in `slab`. */
export interface HeldPart {
  slab: Slab;
  offset: number;
  length: number;
}

/** One archive's slabs: the one being filled, and every one still holding a piece. */
export class SlabHolder {
  private current: Slab | undefined;
  private readonly owned = new Set<Slab>();
  private closed = false;

  constructor() {
    heldMemory.open();
  }

  /** Copies `chunk` into slabs; undefined (nothing copied) when the shared budget has no room for it. */
  copy(chunk: Buffer): HeldPart[] | undefined {
    const room = this.current === undefined ? 0 : SLAB_BYTES - this.current.used;
    const fresh = heldMemory.take(Math.ceil(Math.max(0, chunk.length - room) / SLAB_BYTES));
    if (fresh === undefined) return undefined;
    const parts: HeldPart[] = [];
    for (let done = 0; done < chunk.length;) {
      if (this.current === undefined || this.current.used === SLAB_BYTES) {
        this.current = fresh.shift()!;
        this.owned.add(this.current);
      }
      const slab = this.current;
      const length = Math.min(chunk.length - done, SLAB_BYTES - slab.used);
      chunk.copy(slab.buffer, slab.used, done, done + length);
      parts.push({ slab, offset: slab.used, length });
      slab.used += length;
      done += length;
    }
    return parts;
  }

  /** A piece in `slab` is no longer held: an empty slab is filled again, or given back if it is not the current one. */
  drop(slab: Slab): void {
    if (--slab.live > 0) return;
    if (slab === this.current) {
      slab.used = 0;
      return;
    }
    if (this.owned.delete(slab)) heldMemory.give(slab);
  }

  /** Every slab goes back: streaming stopped, nothing is held in memory from here on. */
  giveBack(): void {
    for (const slab of this.owned) heldMemory.give(slab);
    this.owned.clear();
    this.current = undefined;
  }

  /** The archive closed; later calls do nothing. */
  close(): void {
    this.giveBack();
    if (this.closed) return;
    this.closed = true;
    heldMemory.close();
  }
}
