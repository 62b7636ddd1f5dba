// The item model: a directory on disk seen as a Box account. Ids are hashes of relative paths, so the same tree
// gets the same ids across restarts; sha1 is computed lazily and cached by path + mtime + size.
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, promises as fs, readdirSync, type Stats } from 'node:fs';
import * as path from 'node:path';

export interface FileInfo {
  type: 'file';
  id: string;
  relPath: string;
  name: string;
  size: number;
  mtimeMs: number;
  birthtimeMs: number;
}

export interface FolderInfo {
  type: 'folder';
  id: string;
  relPath: string;
  name: string;
  mtimeMs: number;
  birthtimeMs: number;
}

export type ItemInfo = FileInfo | FolderInfo;

export interface WalkResult {
  /** Every file below the folder (depth first, children sorted by name). */
  files: FileInfo[];
  /** Every folder below the folder, excluding itself. */
  folders: FolderInfo[];
}

export const ROOT_NAME = 'All Files';

/** Opaque numeric id derived from the relative posix path; the root is "0". */
export function idForPath(relPath: string): string {
  const normalized = relPath
    .split(path.sep)
    .join('/')
    .replace(/^\/+|\/+$/g, '');
  if (normalized === '') return '0';
  const digest = createHash('sha1').update(normalized).digest();
  // 15 digits, never a leading zero: 9e14 values keep collisions negligible for trees of a few 100k items.
  return String(100_000_000_000_000 + (digest.readUIntBE(0, 6) % 900_000_000_000_000));
}

/** Short numeric string that changes whenever the inputs change (Box etags look like "1", "2"). */
export function etagOf(...parts: (string | number)[]): string {
  return String(createHash('sha1').update(parts.join('\0')).digest().readUInt32BE(0));
}

export function parentOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash < 0 ? '' : relPath.slice(0, slash);
}

export function nameOf(relPath: string): string {
  return relPath === '' ? ROOT_NAME : relPath.slice(relPath.lastIndexOf('/') + 1);
}

export class ItemTree {
  private readonly pathsById = new Map<string, string>([['0', '']]);
  private readonly sha1Cache = new Map<string, { key: string; sha1: string }>();
  private readonly sha1InFlight = new Map<string, Promise<string>>();
  /** Hashing a 1000-entry page must not open 1000 files at once. */
  private readonly hashSlots = new Limiter(8);
  /** Folders or files moved by `renameKeepingIds`: new path → the path their ids were first derived from. */
  private readonly movedFrom = new Map<string, string>();
  /** `idOf` by path; forgotten on every `renameKeepingIds`. */
  private readonly ids = new Map<string, string>();

  constructor(readonly root: string) {}

  absolute(relPath: string): string {
    return path.join(this.root, ...relPath.split('/'));
  }

  /** Looks an id up; unknown ids trigger one rescan so items created since the last listing are found. */
  async resolve(id: string): Promise<ItemInfo | undefined> {
    let relPath = this.pathsById.get(id);
    if (relPath === undefined) {
      await this.walk('');
      relPath = this.pathsById.get(id);
    }
    if (relPath === undefined) return undefined;
    const item = await this.info(relPath);
    if (!item) this.pathsById.delete(id);
    return item;
  }

  async info(relPath: string): Promise<ItemInfo | undefined> {
    let stats: Stats;
    try {
      stats = await fs.lstat(this.absolute(relPath));
    } catch {
      return undefined;
    }
    return this.fromStats(relPath, stats);
  }

  /** Direct children of a folder (files and folders only; symlinks and specials are not part of the account). */
  async children(folderRel: string): Promise<ItemInfo[]> {
    const folder = this.absolute(folderRel);
    const entries = await fs.readdir(folder, { withFileTypes: true });
    // Stats one after another without the thread pool: a page of 50 children cost 50 hops through it, the largest
    // part of the emulator's time per listing page (Box answers from its database).
    const items: ItemInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile() && !entry.isDirectory()) continue;
      const relPath = folderRel === '' ? entry.name : `${folderRel}/${entry.name}`;
      const stats = lstatQuietly(childPath(folder, entry.name));
      const item = stats && this.fromStats(relPath, stats);
      if (item) items.push(item);
    }
    return items;
  }

  async walk(folderRel: string): Promise<WalkResult> {
    const result: WalkResult = { files: [], folders: [] };
    const visit = async (rel: string): Promise<void> => {
      const children = (await this.children(rel)).sort((a, b) => compareNames(a.name, b.name));
      for (const child of children) {
        if (child.type === 'file') result.files.push(child);
        else {
          result.folders.push(child);
          await visit(child.relPath);
        }
      }
    };
    await visit(folderRel);
    return result;
  }

  /**
   * Total bytes of every file below the folder (Box's folder `size`). Box keeps this figure; the emulator adds it up
   * on every request, for every folder a listing page names, so it does so without a thread-pool hop per file: an
   * async walk made the emulator, not the client, most of the cost of listing a large tree.
   */
  async folderSize(folderRel: string): Promise<number> {
    let total = 0;
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const child = childPath(dir, entry.name);
        if (entry.isDirectory()) visit(child);
        else if (entry.isFile()) total += lstatQuietly(child)?.size ?? 0;
      }
    };
    visit(this.absolute(folderRel));
    return total;
  }

  /** Changes when a direct child is added, removed, renamed or modified. */
  async folderEtag(folder: FolderInfo): Promise<string> {
    const children = await this.children(folder.relPath);
    const parts = children
      .map(
        (child) => `${child.type}:${child.name}:${child.type === 'file' ? child.size : ''}:${child.mtimeMs}`,
      )
      .sort();
    return etagOf(folder.relPath, ...parts);
  }

  fileEtag(file: FileInfo): string {
    return etagOf(file.relPath, file.size, file.mtimeMs);
  }

  async sha1(file: FileInfo): Promise<string> {
    const key = `${file.size}:${file.mtimeMs}`;
    const cached = this.sha1Cache.get(file.relPath);
    if (cached?.key === key) return cached.sha1;
    const flightKey = `${file.relPath}\0${key}`;
    let pending = this.sha1InFlight.get(flightKey);
    if (!pending) {
      pending = this.hashSlots
        .run(() => hashFile(this.absolute(file.relPath)))
        .finally(() => this.sha1InFlight.delete(flightKey));
      this.sha1InFlight.set(flightKey, pending);
    }
    const sha1 = await pending;
    this.sha1Cache.set(file.relPath, { key, sha1 });
    return sha1;
  }

  /** The id of a path: hashed from the path it had before any `renameKeepingIds`, as Box keeps ids on a move. */
  idOf(relPath: string): string {
    // Remembered: a listing asks it of every item on every page, and it is a SHA-1 of the path.
    let id = this.ids.get(relPath);
    if (id === undefined) {
      id = idForPath(this.idOrigin(relPath));
      this.ids.set(relPath, id);
    }
    return id;
  }

  /**
   * A rename or move on Box: the item and everything below it keep their ids (and their bytes, so their SHA-1s),
   * while a rename on disk alone would give them new ids. Paths are relative posix paths.
   */
  async renameKeepingIds(from: string, to: string): Promise<void> {
    const original = this.idOrigin(from);
    await fs.rename(this.absolute(from), this.absolute(to));
    this.movedFrom.set(to, original);
    this.ids.clear();
    // Ids learned under the old paths now point nowhere: forget them, so the next lookup rescans.
    for (const [id, relPath] of this.pathsById) {
      if (relPath === from || relPath.startsWith(`${from}/`)) this.pathsById.delete(id);
    }
  }

  /** The path an item's id was derived from. */
  private idOrigin(relPath: string): string {
    for (let prefix = relPath; prefix !== ''; prefix = parentOf(prefix)) {
      const from = this.movedFrom.get(prefix);
      if (from !== undefined) return from + relPath.slice(prefix.length);
    }
    return relPath;
  }

  private fromStats(relPath: string, stats: Stats): ItemInfo | undefined {
    const id = this.idOf(relPath);
    const common = {
      id,
      relPath,
      name: nameOf(relPath),
      mtimeMs: stats.mtimeMs,
      birthtimeMs: stats.birthtimeMs,
    };
    if (stats.isDirectory()) {
      this.pathsById.set(id, relPath);
      return { type: 'folder', ...common };
    }
    if (stats.isFile()) {
      this.pathsById.set(id, relPath);
      return { type: 'file', ...common, size: stats.size };
    }
    return undefined;
  }
}

/** Box-like name order: case-insensitive, then by code point so the order is total. */
export function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A name in a folder, joined by hand: `folder` comes from path.join, so it is normalised already, and path.join's
 * character-by-character normalising of every child was a tenth of the work of adding up a folder's `size`.
 */
function childPath(folder: string, name: string): string {
  return folder.endsWith(path.sep) ? `${folder}${name}` : `${folder}${path.sep}${name}`;
}

/** The item's stats, or undefined when it is gone (or unreadable) by the time it is looked at. */
function lstatQuietly(absolutePath: string): Stats | undefined {
  try {
    return lstatSync(absolutePath);
  } catch {
    return undefined;
  }
}

function hashFile(absolutePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    createReadStream(absolutePath, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Runs at most `size` async jobs at a time. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    // A finishing job hands its slot straight to the next waiter, so `active` never exceeds `size`.
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
