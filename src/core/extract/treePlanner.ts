import { MAX_SEGMENT_BYTES, shortenSegment } from './safeNames';

/**
 * Assigns every archive entry a unique path in the extracted tree, comparing paths case-insensitively (and
 * Unicode-normalisation-insensitively) because the destination may be NTFS or APFS. Pure and deterministic.
 *
 * Decisions:
 * - Two files with the same folded path: the first keeps it, the later one becomes `name (2).ext`, `name (3).ext`...
 * - A file and a directory with the same folded path: whichever comes later in the archive is renamed the same way;
 *   a renamed directory carries every later entry under it along.
 * - Directories differing only by case are merged into the first spelling, as a case-insensitive file system would
 *   do anyway; files inside them then meet the duplicate rule above.
 */
export interface PlannedPath {
  relativePath: string;
  /** Set when the path differs from the requested one, saying why. */
  reason?: string;
}

export const DUPLICATE_REASON = 'an earlier entry has the same name (compared case-insensitively)';
export const MERGED_REASON = 'folder merged into an earlier folder whose name differs only by case';

export function foldPath(relativePath: string): string {
  // Upper-casing folds more pairs than lower-casing (ß/SS, ς/σ): over-merging only costs a rename, under-merging
  // would make two entries collide on NTFS or APFS.
  return relativePath.normalize('NFC').toUpperCase();
}

export class TreePlanner {
  /** Folded paths already taken by a file or a directory. */
  private readonly taken = new Set<string>();
  /** Folded requested directory path (under an assigned parent) → assigned directory path. */
  private readonly directoryAliases = new Map<string, string>();
  private readonly directoryPaths: string[] = [];

  addFile(segments: readonly string[]): PlannedPath {
    const parent = this.resolveDirectories(segments.slice(0, -1));
    const name = segments[segments.length - 1];
    const requested = join(parent.relativePath, name);
    if (!this.taken.has(foldPath(requested))) {
      this.taken.add(foldPath(requested));
      return { ...parent, relativePath: requested };
    }
    const unique = this.freeName(parent.relativePath, name);
    this.taken.add(foldPath(unique));
    return { relativePath: unique, reason: DUPLICATE_REASON };
  }

  addDirectory(segments: readonly string[]): PlannedPath {
    return this.resolveDirectories(segments);
  }

  /** Every directory of the tree, parents before children. */
  directories(): string[] {
    return [...this.directoryPaths].sort(compareParentsFirst);
  }

  private resolveDirectories(segments: readonly string[]): PlannedPath {
    let current = '';
    let reason: string | undefined;
    for (const segment of segments) {
      const requested = join(current, segment);
      const requestedKey = foldPath(requested);
      const known = this.directoryAliases.get(requestedKey);
      if (known !== undefined) {
        if (foldPath(known) !== requestedKey) reason = DUPLICATE_REASON;
        else if (known !== requested) reason ??= MERGED_REASON;
        current = known;
        continue;
      }
      // Without an alias, an existing node is a file or a directory that took this name by renaming: a clash.
      let assigned = requested;
      if (this.taken.has(requestedKey)) {
        assigned = this.freeName(current, segment);
        reason = DUPLICATE_REASON;
      }
      this.taken.add(foldPath(assigned));
      this.directoryAliases.set(requestedKey, assigned);
      this.directoryPaths.push(assigned);
      current = assigned;
    }
    return reason === undefined ? { relativePath: current } : { relativePath: current, reason };
  }

  private freeName(parent: string, segment: string): string {
    for (let counter = 2; ; counter++) {
      const candidate = join(parent, numbered(segment, counter));
      if (!this.taken.has(foldPath(candidate))) return candidate;
    }
  }
}

/** `report.pdf` → `report (2).pdf`; `.env` → `.env (2)`; `archive` → `archive (2)`. */
export function numbered(segment: string, counter: number): string {
  const dot = segment.lastIndexOf('.');
  const extension = dot > 0 ? segment.slice(dot) : '';
  const stem = segment.slice(0, segment.length - extension.length);
  const result = `${stem} (${counter})${extension}`;
  return Buffer.byteLength(result) <= MAX_SEGMENT_BYTES ? result : shortenSegment(result);
}

function join(parent: string, segment: string): string {
  return parent === '' ? segment : `${parent}/${segment}`;
}

function compareParentsFirst(a: string, b: string): number {
  const depth = a.split('/').length - b.split('/').length;
  if (depth !== 0) return depth;
  return a < b ? -1 : a > b ? 1 : 0;
}
