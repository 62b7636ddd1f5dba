/**
 * Splits a listed tree into ZIP requests ("parts") that each stay under Box's file and byte limits: whole folders
 * wherever they fit, so that Box builds the paths, and single files otherwise. A file larger than the byte limit
 * can be in no ZIP at all: it goes by `GET /files/{id}/content`. Pure: no I/O.
 */
import type { ListedFile, ListedFolder } from './listing';

export interface Limits {
  maxFiles: number;
  maxBytes: number;
}

export interface PartItem {
  type: 'file' | 'folder';
  id: string;
  /** Box's name: the item's name at the archive root, unless `name_conflicts` renames it. */
  name: string;
  /** The item's raw path below the pulled folder ('' for the pulled folder itself). */
  rawPath: string;
  files: number;
  bytes: number;
  node: ListedFolder | ListedFile;
}

export interface Part {
  items: PartItem[];
  files: number;
  bytes: number;
}

export interface Partition {
  parts: Part[];
  /** Files over the byte limit, downloaded one by one. */
  direct: ListedFile[];
}

/** Parts one pull may make, whatever the server's limits say: a server that keeps shrinking them cannot loop us. */
export const MAX_PARTS = 2000;

/**
 * `nodes` is what to split: the pulled folder at first, a refused part's items when Box refused it. `targetBytes`
 * (at most the byte limit) makes parts smaller than Box requires, so that several streams share the work.
 */
export function partition(
  nodes: readonly (ListedFolder | ListedFile)[],
  limits: Limits,
  targetBytes = limits.maxBytes,
): Partition {
  const target = Math.min(targetBytes, limits.maxBytes);
  const items: PartItem[] = [];
  const direct: ListedFile[] = [];
  const visit = (node: ListedFolder | ListedFile): void => {
    if (node.type === 'file') {
      if (node.size > limits.maxBytes) direct.push(node);
      else items.push(itemOf(node, 1, node.size));
      return;
    }
    if (node.fileCount === 0) return; // empty folders are made from the listing
    if (node.whole && node.fileCount <= limits.maxFiles && node.bytes <= target) {
      items.push(itemOf(node, node.fileCount, node.bytes));
      return;
    }
    node.files.forEach(visit);
    node.folders.forEach(visit);
  };
  nodes.forEach(visit);
  // Next fit in listing order: neighbours stay together, which keeps parts of one subtree in one archive.
  const parts: Part[] = [];
  let current: Part | undefined;
  for (const item of items) {
    const full =
      current !== undefined &&
      current.items.length > 0 &&
      (current.files + item.files > limits.maxFiles || current.bytes + item.bytes > target);
    if (!current || full) {
      current = { items: [], files: 0, bytes: 0 };
      parts.push(current);
    }
    current.items.push(item);
    current.files += item.files;
    current.bytes += item.bytes;
  }
  return { parts, direct };
}

function itemOf(node: ListedFolder | ListedFile, files: number, bytes: number): PartItem {
  return { type: node.type, id: node.id, name: node.name, rawPath: node.rawPath, files, bytes, node };
}
