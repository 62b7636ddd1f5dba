/**
 * The state file a pull leaves in its destination, `<dest>/.box-pull.json`: which Box folder it came from, and for
 * each file placed its Box id, path, SHA-1 and size, plus the local size and modification time right after
 * placing. An update compares Box now, this record, and the local file (core/update). Paths are relative, so the
 * destination may be moved or renamed. The CLI and the extension share it.
 *
 * The file is trusted for nothing it cannot prove: one that does not parse, has another version, or names another
 * folder or API origin is treated as missing (with a warning), so nothing is ever deleted on its strength.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { allNamedSegments } from '../localStats';

export const STATE_FILE = '.box-pull.json';
export const STATE_VERSION = 1;

export interface StateEntry {
  /** Box's file id; null when the pull that placed it had no listing (a one-ZIP pull). */
  id: string | null;
  /** Where the file is under the destination, `/`-separated. */
  path: string;
  /** SHA-1 of the bytes placed (hex, lower case). */
  sha1: string;
  size: number;
  /** The local file right after placing: unchanged size and time mean unchanged content, without hashing. */
  localSize: number;
  localMtimeMs: number;
}

export interface PullState {
  version: typeof STATE_VERSION;
  folderId: string;
  apiOrigin: string;
  pulledAt: string;
  files: StateEntry[];
  /**
   * Box's folders (paths, as files) at the last pull, so that an update tells a folder removed on Box from one made
   * here. Absent in state files written before folders were recorded: none is then taken for removed on Box.
   */
  folders?: string[];
}

export interface StateOwner {
  folderId: string;
  apiOrigin: string;
}

export type StateRead =
  | { kind: 'found'; state: PullState }
  | { kind: 'missing' }
  /** Unusable: corrupt, another version, or another folder's; `reason` is the warning to show. */
  | { kind: 'ignored'; reason: string };

/** True for the state file's own path (any case: on a case-insensitive disk `.BOX-PULL.json` is the same file). */
export function isStateFilePath(relativePath: string): boolean {
  return relativePath.toLowerCase() === STATE_FILE;
}

/**
 * Without `owner`, any valid state file is found (the VS Code layer asks which folder a destination was pulled
 * from); an update always passes its owner.
 */
export async function readPullState(destination: string, owner?: StateOwner): Promise<StateRead> {
  let text: string;
  try {
    text = await fs.readFile(path.join(destination, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'ignored', reason: `${STATE_FILE} could not be read (${(error as Error).message})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'ignored', reason: `${STATE_FILE} is not valid JSON` };
  }
  const problem = validate(parsed);
  if (problem) return { kind: 'ignored', reason: `${STATE_FILE} is unusable: ${problem}` };
  const state = parsed as PullState;
  if (owner && (state.folderId !== owner.folderId || state.apiOrigin !== owner.apiOrigin))
    return {
      kind: 'ignored',
      reason: `${STATE_FILE} belongs to Box folder ${state.folderId} at ${state.apiOrigin}, not to this pull`,
    };
  return { kind: 'found', state };
}

/** The state file's bytes; written into staging and placed with the files, so it changes with them or not at all. */
export function serializeState(
  owner: StateOwner,
  files: StateEntry[],
  now = new Date(),
  folders?: readonly string[],
): string {
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const state: PullState = {
    version: STATE_VERSION,
    folderId: owner.folderId,
    apiOrigin: owner.apiOrigin,
    pulledAt: now.toISOString(),
    files: [...files].sort((a, b) => byPath(a.path, b.path)),
    // Only paths a reader accepts: one odd name must not make the whole file unusable.
    ...(folders ? { folders: [...new Set(folders)].filter(isSafeRelative).sort(byPath) } : {}),
  };
  return `${JSON.stringify(state, null, 1)}\n`;
}

/**
 * True when `state` already records exactly these files and folders (as `serializeState` would write them; the time
 * of the pull aside): an update that changes nothing leaves the state file as it is.
 */
export function recordsSame(
  state: PullState,
  files: readonly StateEntry[],
  folders: readonly string[],
): boolean {
  if (state.folders === undefined || state.files.length !== files.length) return false;
  const byPath = new Map(state.files.map((entry) => [entry.path, entry]));
  const sameEntry = (a: StateEntry, b: StateEntry | undefined) =>
    b !== undefined &&
    a.id === b.id &&
    a.sha1 === b.sha1 &&
    a.size === b.size &&
    a.localSize === b.localSize &&
    a.localMtimeMs === b.localMtimeMs;
  if (!files.every((entry) => sameEntry(entry, byPath.get(entry.path)))) return false;
  const written = [...new Set(folders)].filter(isSafeRelative);
  const recorded = new Set(state.folders);
  return written.length === recorded.size && written.every((folder) => recorded.has(folder));
}

function validate(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const state = value as Partial<PullState>;
  if (state.version !== STATE_VERSION) return `version ${String(state.version)} is not ${STATE_VERSION}`;
  if (typeof state.folderId !== 'string' || typeof state.apiOrigin !== 'string') return 'no folder or origin';
  if (!Array.isArray(state.files)) return 'no file list';
  if (
    state.folders !== undefined &&
    !(Array.isArray(state.folders) && state.folders.every((f) => typeof f === 'string' && isSafeRelative(f)))
  )
    return 'the folder list is malformed';
  const seen = new Set<string>();
  for (const entry of state.files as unknown[]) {
    const e = entry as Partial<StateEntry>;
    if (
      typeof e !== 'object' ||
      e === null ||
      !(e.id === null || typeof e.id === 'string') ||
      typeof e.path !== 'string' ||
      !isSafeRelative(e.path) ||
      typeof e.sha1 !== 'string' ||
      !/^[0-9a-f]{40}$/.test(e.sha1) ||
      !isCount(e.size) ||
      !isCount(e.localSize) ||
      typeof e.localMtimeMs !== 'number' ||
      !Number.isFinite(e.localMtimeMs)
    )
      return 'a file entry is malformed';
    if (seen.has(e.path)) return `${e.path} is listed twice`;
    seen.add(e.path);
  }
  return undefined;
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A path the state may name: relative, `/`-separated, no `.`/`..` segments, not the state file itself. */
function isSafeRelative(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0') || isStateFilePath(p))
    return false;
  return allNamedSegments(p);
}
