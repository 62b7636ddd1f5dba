// What placing has done to the destination, written down before each step, so that it can be undone: by the
// process itself after a cancel, a failure or a signal, and by the next pull after a SIGKILL. Each line is one
// step; a step is recorded before it is taken, so the undo checks what is really there before touching it (by
// inode, size and time: a file is removed only if it is the very file we put there).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnchoredTree, NotAFolderError } from './anchoredTree';

export const JOURNAL_FILE = 'journal.jsonl';
export const BACKUPS_FOLDER = 'backups';

export type JournalEntry =
  /** A folder we are about to create. */
  | { op: 'folder'; path: string }
  /** The original at `path` is about to be kept as `backups/<backup>` (a hard link, or moved there). */
  | { op: 'backup'; path: string; backup: string }
  /** The staged file `id` (inode, size and modification time: an inode alone may be reused) goes to `path`. */
  | { op: 'add'; path: string; id: string }
  /** The staged folder at `staged` (inside the staging folder) goes to `path` whole, with these files and folders. */
  | { op: 'tree'; path: string; staged: string; files: { path: string; id: string }[]; folders: string[] }
  /** Every move is done: the backups are no longer needed. */
  | { op: 'done' };

/** Appends to `<staging>/journal.jsonl`; each line is written before the step it names. */
export class Journal {
  private constructor(private readonly handle: fs.promises.FileHandle) {}

  static async create(staging: AnchoredTree): Promise<Journal> {
    const handle = await staging.with(JOURNAL_FILE, (target) => fs.promises.open(target, 'a'));
    return new Journal(handle);
  }

  async append(entry: JournalEntry): Promise<void> {
    // One write on an O_APPEND descriptor: lines of concurrent moves never interleave. Synchronous: a line is a
    // few dozen bytes into the page cache (enough to outlive a killed process), cheaper than a thread-pool trip.
    fs.writeSync(this.handle.fd, `${JSON.stringify(entry)}\n`);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** The entries of a staging folder's journal, or undefined when there is none. A torn last line is ignored. */
export async function readJournal(staging: AnchoredTree): Promise<JournalEntry[] | undefined> {
  const text = await staging
    .with(JOURNAL_FILE, (target) => fs.promises.readFile(target, 'utf8'))
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  if (text === undefined) return undefined;
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line.trim() !== '') entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // Killed while writing this line: its step was never taken.
    }
  }
  return entries;
}

export interface RollbackResult {
  /** Every step was undone: the destination is as it was. */
  complete: boolean;
  /** Files we had added that were removed again. */
  removed: number;
  /** Originals put back from the backups. */
  restored: number;
  /** Paths the undo could not restore; their originals stay in the staging folder's backups. */
  notRestored: string[];
}

/** Undoes the journal's steps, last first. Never deletes a backup it has not put back. */
export async function rollBack(
  destination: AnchoredTree,
  staging: AnchoredTree,
  entries: readonly JournalEntry[],
): Promise<RollbackResult> {
  const result: RollbackResult = { complete: true, removed: 0, restored: 0, notRestored: [] };
  for (const entry of [...entries].reverse()) {
    try {
      if (entry.op === 'add') {
        if (await removeAdded(destination, entry.path, entry.id)) result.removed++;
      } else if (entry.op === 'tree') {
        // File by file, like the adds: only the very files moved in go, and a folder holding anything else stays.
        for (const file of entry.files) {
          const removed = await removeAdded(destination, file.path, file.id).catch(undoFailed);
          if (removed === undefined) result.complete = false;
          else if (removed) result.removed++;
        }
        for (const folder of [...entry.folders].reverse()) {
          const removed = await destination
            .with(folder, (target) => fs.promises.rmdir(target).catch(ignore('ENOENT')))
            .then(() => true, undoFailed);
          if (removed === undefined) result.complete = false;
        }
      } else if (entry.op === 'backup') {
        const restored = await restoreBackup(destination, staging, entry.path, entry.backup);
        if (restored === 'restored') result.restored++;
        if (restored === 'kept') {
          result.complete = false;
          result.notRestored.push(entry.path);
        }
      } else if (entry.op === 'folder') {
        await destination.with(entry.path, (target) => fs.promises.rmdir(target)).catch(ignore('ENOENT'));
      }
    } catch (error) {
      // A folder that is not empty (something of someone else's is in it), or a folder on the way swapped for a
      // link: that step stays, and the caller says the destination is not as it was.
      if (!(error instanceof NotAFolderError) && !(error as NodeJS.ErrnoException).code) throw error;
      result.complete = false;
      if (entry.op === 'backup') result.notRestored.push(entry.path);
    }
  }
  return result;
}

/** True when the staging folder at `stagingPath` still holds originals that a finished undo has not put back. */
export async function holdsBackups(stagingPath: string): Promise<boolean> {
  const backups = await fs.promises.readdir(path.join(stagingPath, BACKUPS_FOLDER)).catch(() => []);
  if (backups.length === 0) return false;
  const journal = await fs.promises.readFile(path.join(stagingPath, JOURNAL_FILE), 'utf8').catch(() => '');
  return !journal.includes('"op":"done"');
}

/** What tells the file we placed from another one at its path. */
export function fileId(stat: fs.BigIntStats): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
}

/** Size and modification time as a plain `fs.Stats` gives them. */
export interface SizeAndTime {
  size: number;
  mtimeMs: number;
}

/**
 * The size and time in a `fileId`, with `mtimeMs` computed as Node computes `Stats.mtimeMs` (seconds × 1000 plus
 * nanoseconds / 10⁶, in doubles), so that it equals a later `lstat`'s to the bit. Undefined for a time before
 * 1970, where seconds and nanoseconds do not split that way.
 */
export function sizeAndTimeOf(id: string): SizeAndTime | undefined {
  const [, size, mtimeNs] = id.split(':');
  if (size === undefined || mtimeNs === undefined || mtimeNs.startsWith('-')) return undefined;
  const ns = BigInt(mtimeNs);
  return {
    size: Number(size),
    mtimeMs: Number(ns / NS_PER_SECOND) * 1000 + Number(ns % NS_PER_SECOND) / 1e6,
  };
}

const NS_PER_SECOND = 1_000_000_000n;

async function removeAdded(destination: AnchoredTree, relativePath: string, id: string): Promise<boolean> {
  return destination.with(relativePath, async (target) => {
    const stat = await lstatOrUndefined(target);
    // Another file there: the step was never taken, or someone else's file arrived; either way not ours.
    if (!stat || fileId(stat) !== id) return false;
    await fs.promises.unlink(target);
    return true;
  });
}

async function restoreBackup(
  destination: AnchoredTree,
  staging: AnchoredTree,
  relativePath: string,
  backup: string,
): Promise<'restored' | 'none' | 'kept'> {
  return staging.with(`${BACKUPS_FOLDER}/${backup}`, async (source) => {
    const kept = await lstatOrUndefined(source);
    if (!kept) return 'none'; // the step was never taken
    return destination.with(relativePath, async (target) => {
      const current = await lstatOrUndefined(target);
      if (current && current.ino === kept.ino) {
        // A hard-link backup whose original was never replaced: the original is still in place.
        await fs.promises.unlink(source);
        return 'none';
      }
      if (current) return 'kept'; // someone else's file is there now: neither is thrown away
      await fs.promises.rename(source, target);
      return 'restored';
    });
  });
}

async function lstatOrUndefined(target: string): Promise<fs.BigIntStats | undefined> {
  return fs.promises.lstat(target, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** A step of a tree's undo that could not be taken (see the catch in `rollBack`): the rest goes on. */
function undoFailed(error: unknown): undefined {
  if (!(error instanceof NotAFolderError) && !(error as NodeJS.ErrnoException).code) throw error;
  return undefined;
}

function ignore(code: string) {
  return (error: NodeJS.ErrnoException): void => {
    if (error.code !== code) throw error;
  };
}
