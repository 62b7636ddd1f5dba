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

/** Folding a path equals folding each segment: `/` neither composes under NFC nor changes case. */
export function foldPath(relativePath: string): string {
  // Upper-casing folds more pairs than lower-casing (ß/SS, ς/σ): over-merging only costs a rename, under-merging
  // would make two entries collide on NTFS or APFS.
  return relativePath.normalize('NFC').toUpperCase();
}

interface Assigned {
  path: string;
  /** `foldPath(path)`, kept so that it is computed once. */
  key: string;
}

export class TreePlanner {
  /** Folded paths already taken by a file or a directory. */
  private readonly taken = new Set<string>();
  /** Folded requested directory path (under an assigned parent) → assigned directory. */
  private readonly directoryAliases = new Map<string, Assigned>();
  private readonly directoryPaths: string[] = [];
  /** Folder names repeat across entries: fold each once. */
  private readonly foldedFolderNames = new Map<string, string>();

  addFile(segments: readonly string[]): PlannedPath {
    const parent = this.resolveDirectories(segments, segments.length - 1);
    const name = segments[segments.length - 1];
    const requested = join(parent.path, name);
    const requestedKey = join(parent.key, foldPath(name));
    if (!this.taken.has(requestedKey)) {
      this.taken.add(requestedKey);
      return parent.reason === undefined
        ? { relativePath: requested }
        : { relativePath: requested, reason: parent.reason };
    }
    const unique = this.freeName(parent, name);
    this.taken.add(unique.key);
    return { relativePath: unique.path, reason: DUPLICATE_REASON };
  }

  addDirectory(segments: readonly string[]): PlannedPath {
    const directory = this.resolveDirectories(segments, segments.length);
    return directory.reason === undefined
      ? { relativePath: directory.path }
      : { relativePath: directory.path, reason: directory.reason };
  }

  /** Every directory of the tree, parents before children. */
  directories(): string[] {
    return [...this.directoryPaths].sort(compareParentsFirst);
  }

  /** Resolves the first `count` segments as directories, creating or renaming them as needed. */
  private resolveDirectories(segments: readonly string[], count: number): Assigned & { reason?: string } {
    let current: Assigned = { path: '', key: '' };
    let reason: string | undefined;
    for (let index = 0; index < count; index++) {
      const segment = segments[index];
      const requested = join(current.path, segment);
      const requestedKey = join(current.key, this.foldFolderName(segment));
      const known = this.directoryAliases.get(requestedKey);
      if (known !== undefined) {
        if (known.key !== requestedKey) reason = DUPLICATE_REASON;
        else if (known.path !== requested) reason ??= MERGED_REASON;
        current = known;
        continue;
      }
      // Without an alias, a taken path is a file or a directory that got this name by renaming: a clash.
      let assigned: Assigned = { path: requested, key: requestedKey };
      if (this.taken.has(requestedKey)) {
        assigned = this.freeName(current, segment);
        reason = DUPLICATE_REASON;
      }
      this.taken.add(assigned.key);
      this.directoryAliases.set(requestedKey, assigned);
      this.directoryPaths.push(assigned.path);
      current = assigned;
    }
    return reason === undefined ? current : { ...current, reason };
  }

  private freeName(parent: Assigned, segment: string): Assigned {
    for (let counter = 2; ; counter++) {
      const name = numbered(segment, counter);
      const key = join(parent.key, foldPath(name));
      if (!this.taken.has(key)) return { path: join(parent.path, name), key };
    }
  }

  private foldFolderName(segment: string): string {
    let folded = this.foldedFolderNames.get(segment);
    if (folded === undefined) {
      folded = foldPath(segment);
      this.foldedFolderNames.set(segment, folded);
    }
    return folded;
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
