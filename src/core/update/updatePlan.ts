/**
 * The three-way plan of an update (pure): for each path, Box now (the listing), the last pull (the state file) and
 * the local file. Box unchanged → the local file is not touched, whatever it holds; Box changed and the local copy
 * exactly what we placed → updated without a question; both changed → a conflict for the policy; deleted on Box →
 * kept (removed only with `delete`, and only if unedited); renamed on Box (same id and SHA-1) → moved locally;
 * a record without an id (a one-ZIP first pull) is paired with a renamed file by SHA-1 and size when unambiguous;
 * renamed on Box but edited here → Box's copy is downloaded to the new path, and the edit stays, no longer recorded;
 * renamed and changed on Box, unedited here → Box's copy is downloaded to the new path and the old copy removed with it
 * (nothing is lost: it was exactly what we placed, and Box's newer copy takes its place), without `delete`.
 * Without a state, local files are adopted when their SHA-1 is Box's, and are conflicts otherwise.
 *
 * Local files are judged by stat first (size and modification time as recorded after placing); a SHA-1 is needed
 * only where stat differs, or where there is no record: `hashesNeeded` names those paths, and `planUpdate` takes
 * their hashes.
 */
import type { StateEntry } from '../state/pullState';

export interface BoxFile {
  id: string;
  /** Destination path, `/`-separated. */
  path: string;
  sha1?: string;
  size: number;
}

export interface LocalFile {
  size: number;
  mtimeMs: number;
  /** Hex SHA-1, given for the paths `hashesNeeded` names. A non-file at the path is given `''` (never equal). */
  sha1?: string;
}

export interface UpdateInput {
  box: readonly BoxFile[];
  /** The last pull's record; undefined when there is none or it was unusable. */
  state: readonly StateEntry[] | undefined;
  local: ReadonlyMap<string, LocalFile>;
  /** Remove unedited files deleted on Box. */
  delete: boolean;
}

export type DownloadReason = 'new' | 'changed' | 'restored';
export type ConflictKind = 'both-changed' | 'new-differs';

export interface UpdatePlan {
  /** Downloaded and placed over whatever is there, without a question. */
  download: { file: BoxFile; reason: DownloadReason }[];
  /**
   * Differ on both sides: downloaded unless the policy skips, then placed under the policy. `from`: moved on Box
   * from there (the last pull's record, unedited here) onto a path that holds a different local file; that old copy
   * is kept and recorded (in `carried`), and goes only with the placing of Box's copy here, never by `delete`.
   */
  conflicts: { file: BoxFile; kind: ConflictKind; from?: StateEntry }[];
  /** Local files whose bytes are Box's already: recorded, not downloaded. */
  adopt: BoxFile[];
  /** Renamed on Box, unedited here: moved locally from `from` (the last pull's `record`). */
  moves: { from: string; file: BoxFile; record: StateEntry }[];
  /**
   * Renamed and changed on Box, unedited here: Box's copy downloaded to its new path, the copy at `from` (the last
   * pull's `record`) removed in the same placing.
   */
  movedChanged: { from: string; file: BoxFile; record: StateEntry }[];
  /**
   * Every record whose Box file now lives at another path (same id, or paired by SHA-1): moved here or not (edited
   * here, changed on Box, something at the new path). What folderMoves.ts recognises whole folders by.
   */
  movedOnBox: { from: string; to: string }[];
  /** Deleted on Box: `remove` when `delete` is set and the file is unedited; edited ones are always kept. */
  deletedOnBox: { path: string; edited: boolean; remove: boolean }[];
  /** Box unchanged and the local file edited (not touched). */
  editedHere: string[];
  /** Unchanged on both sides. */
  unchanged: number;
  /**
   * Records that stay true as they are: unchanged files, edited ones, deletions, skipped conflicts, old copies of
   * moves onto a different file; a removal takes its record with it (recordState.ts).
   */
  carried: StateEntry[];
}

/** The local paths whose SHA-1 the plan needs: a stat that differs from the record, or no record at all. */
export function hashesNeeded(input: Omit<UpdateInput, 'delete'>): string[] {
  return tryPlan({ ...input, delete: false }).missing;
}

/**
 * The local paths the plan acts on as their stat found them: written over, moved from or to, removed, or recorded
 * as they are (adopted). An unchanged or edited file is left as it is, whatever its stat.
 */
export function pathsActedOn(plan: UpdatePlan): string[] {
  return [
    ...plan.download.map((d) => d.file.path),
    ...plan.conflicts.map((c) => c.file.path),
    ...plan.adopt.map((file) => file.path),
    ...plan.moves.flatMap((m) => [m.from, m.file.path]),
    ...plan.movedChanged.flatMap((m) => [m.from, m.file.path]),
    ...plan.deletedOnBox.filter((d) => d.remove).map((d) => d.path),
  ];
}

export function planUpdate(input: UpdateInput): UpdatePlan {
  const { plan, missing } = tryPlan(input);
  if (missing.length > 0)
    throw new Error(`planUpdate: the SHA-1 of ${missing[0]} is needed (see hashesNeeded)`);
  return plan;
}

/**
 * The plan, or (`missing` not empty) the sorted paths whose SHA-1 it still needs: a plan made while a hash is missing
 * is incomplete and must not be used. An update of nothing needs no hash, so one pass both asks and plans.
 */
export function tryPlan(input: UpdateInput): { plan: UpdatePlan; missing: string[] } {
  const needed = new Set<string>();
  const plan = run(input, (path) => needed.add(path));
  return { plan, missing: [...needed].sort() };
}

function run(input: UpdateInput, missingHash: (path: string) => void): UpdatePlan {
  const plan: UpdatePlan = {
    download: [],
    conflicts: [],
    adopt: [],
    moves: [],
    movedChanged: [],
    movedOnBox: [],
    deletedOnBox: [],
    editedHere: [],
    unchanged: 0,
    carried: [],
  };
  const { box, local } = input;
  const state = input.state ?? [];
  const recordByPath = new Map<string, StateEntry>();
  const recordById = new Map<string, StateEntry>();
  for (const entry of state) {
    recordByPath.set(entry.path, entry);
    if (entry.id !== null) recordById.set(entry.id, entry);
  }
  const boxPaths = new Set<string>();
  for (const file of box) boxPaths.add(file.path);
  const movedFrom = new Set<string>();
  /** Records whose Box file lives on at another path (moved on Box), whether or not it is moved here. */
  const elsewhere = new Set<string>();
  /** New paths of moves that hold a different local file, by the old copy's record (a conflict there). */
  const occupied = new Map<string, StateEntry>();
  const idless = idlessMoveCandidates(box, state, recordByPath, recordById, boxPaths);

  const localHash = (path: string): string | undefined => {
    const sha1 = local.get(path)?.sha1;
    if (sha1 === undefined) missingHash(path);
    return sha1;
  };
  /** 'absent', 'same' (what we placed) or 'edited'; undefined while a needed hash is missing. */
  const localVersus = (record: StateEntry): 'absent' | 'same' | 'edited' | undefined => {
    const file = local.get(record.path);
    if (!file) return 'absent';
    if (file.size === record.localSize && file.mtimeMs === record.localMtimeMs) return 'same';
    const sha1 = localHash(record.path);
    if (sha1 === undefined) return undefined;
    return sameHash(sha1, record.sha1) ? 'same' : 'edited';
  };

  for (const file of box) {
    const record = recordByPath.get(file.path);
    if (record) {
      const here = localVersus(record);
      if (here === undefined) continue;
      if (!boxChanged(record, file)) {
        if (here === 'absent') plan.download.push({ file, reason: 'restored' });
        else {
          // The record itself when it has Box's id already (every update after the first): no copy per file.
          plan.carried.push(record.id === file.id ? record : { ...record, id: file.id });
          if (here === 'same') plan.unchanged++;
          else plan.editedHere.push(file.path);
        }
      } else if (here === 'absent') plan.download.push({ file, reason: 'restored' });
      else if (here === 'same') plan.download.push({ file, reason: 'changed' });
      else bothChanged(file, record);
      continue;
    }
    const from = movedFromRecord(file);
    if (from === null) continue; // a hash is missing
    if (from) {
      movedFrom.add(from.path);
      if (boxChanged(from, file)) plan.movedChanged.push({ from: from.path, file, record: from });
      else plan.moves.push({ from: from.path, file, record: from });
      continue;
    }
    if (!local.has(file.path)) {
      plan.download.push({ file, reason: 'new' });
      continue;
    }
    const sha1 = localHash(file.path);
    if (sha1 === undefined) continue;
    if (file.sha1 !== undefined && sameHash(sha1, file.sha1)) plan.adopt.push(file);
    else plan.conflicts.push({ file, kind: 'new-differs', ...moveOnto(file.path) });
  }

  for (const record of state) {
    if (boxPaths.has(record.path) || movedFrom.has(record.path)) continue;
    const here = localVersus(record);
    if (here === undefined || here === 'absent') continue;
    const edited = here === 'edited';
    // Moved on Box, edited here: Box's copy comes to its new path, and the edit here is the user's own file now.
    // Reported once, and no longer recorded: it was not deleted on Box, and no later update may say it was.
    if (edited && elsewhere.has(record.path)) {
      plan.editedHere.push(record.path);
      continue;
    }
    plan.deletedOnBox.push({ path: record.path, edited, remove: input.delete && !edited });
    // Carried even when it is to be removed: the record goes with the file (recordState.ts), so one that placing
    // keeps (changed meanwhile) is judged again next time.
    plan.carried.push(record);
  }
  return plan;

  function bothChanged(file: BoxFile, record: StateEntry): void {
    const sha1 = localHash(file.path);
    if (sha1 === undefined) return;
    // The same edit on both sides: nothing to download.
    if (file.sha1 !== undefined && sameHash(sha1, file.sha1)) plan.adopt.push(file);
    else {
      plan.conflicts.push({ file, kind: 'both-changed' });
      plan.carried.push(record);
    }
  }

  /** The old copy's record of a move onto a path holding a different local file: recorded still, never deleted. */
  function moveOnto(path: string): { from: StateEntry } | undefined {
    const from = occupied.get(path);
    if (!from) return undefined;
    movedFrom.add(from.path);
    plan.carried.push(from);
    return { from };
  }

  /**
   * The record of the same Box file at another path, when it was renamed on Box (its bytes changed there or not),
   * its old path is gone from Box, the local copy there is unedited, and the new path is free or holds Box's bytes
   * already (placing then finds it up to date, and the old copy goes with it): undefined if none, null while a hash
   * is missing. A different file at the new path is a conflict there (`occupied`).
   */
  function movedFromRecord(file: BoxFile): StateEntry | undefined | null {
    const record = recordById.get(file.id) ?? idless.get(file.path);
    if (!record || record.path === file.path || boxPaths.has(record.path) || movedFrom.has(record.path))
      return undefined;
    elsewhere.add(record.path);
    plan.movedOnBox.push({ from: record.path, to: file.path });
    if (local.has(file.path)) {
      // An edited old copy is the user's own (the loop over records says so); the new path is judged as new.
      const here = localVersus(record);
      if (here !== 'same') return here === undefined ? null : undefined;
      const sha1 = localHash(file.path);
      if (sha1 === undefined) return null;
      if (file.sha1 === undefined || !sameHash(sha1, file.sha1)) {
        occupied.set(file.path, record);
        return undefined;
      }
      return record;
    }
    const here = localVersus(record);
    if (here === undefined) return null;
    return here === 'same' ? record : undefined;
  }
}

/**
 * Records without a Box id (a one-ZIP pull has no listing, so its ZIP gave none) whose path is gone from Box, paired
 * with the listed file at a path the state does not know that has the same SHA-1 and size: Box's new path → record.
 * Only one-to-one pairs count; two identical files renamed together could be paired either way, so they are
 * downloaded instead of guessed.
 */
function idlessMoveCandidates(
  box: readonly BoxFile[],
  state: readonly StateEntry[],
  recordByPath: ReadonlyMap<string, StateEntry>,
  recordById: ReadonlyMap<string, StateEntry>,
  boxPaths: ReadonlySet<string>,
): Map<string, StateEntry> {
  const key = (sha1: string, size: number) => `${sha1.toLowerCase()}:${size}`;
  const records = new Map<string, StateEntry[]>();
  for (const record of state)
    if (record.id === null && !boxPaths.has(record.path))
      records.set(key(record.sha1, record.size), [
        ...(records.get(key(record.sha1, record.size)) ?? []),
        record,
      ]);
  const files = new Map<string, BoxFile[]>();
  for (const file of box)
    if (file.sha1 !== undefined && !recordByPath.has(file.path) && !recordById.has(file.id))
      files.set(key(file.sha1, file.size), [...(files.get(key(file.sha1, file.size)) ?? []), file]);
  const pairs = new Map<string, StateEntry>();
  for (const [k, candidates] of files) {
    const from = records.get(k);
    if (candidates.length === 1 && from?.length === 1) pairs.set(candidates[0].path, from[0]);
  }
  return pairs;
}

/** Box's file differs from what we placed: by SHA-1, or by size when Box gave no SHA-1. */
function boxChanged(record: StateEntry, file: BoxFile): boolean {
  return file.sha1 === undefined ? file.size !== record.size : !sameHash(file.sha1, record.sha1);
}

function sameHash(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
