/**
 * Placing that records what it placed: the state file (pullState.ts) is written into the staging folder after the
 * last move and placed in the same reversible session, so a cancel or a failure leaves both the files and the
 * state file as they were. A Box file at the state file's own path is never placed (it would be taken for ours).
 */
import { promises as fs } from 'node:fs';
import { lstatEach } from '../localStats';
import * as path from 'node:path';
import { runPool } from '../extract/pool';
import type { ExtractedFile } from '../extract/fileExtraction';
import type { Logger } from '../logger';
import { resolveInside } from '../naming/safeNames';
import { placeFiles, type PlaceOptions, type PlaceResult } from '../place/placement';
import type { SizeAndTime } from '../place/placementJournal';
import { sha1OfFile } from '../verify/checksum';
import { STATE_FILE, isStateFilePath, serializeState, type StateEntry, type StateOwner } from './pullState';

/** What Box said of a file, by destination path (from a listing). */
export interface KnownFile {
  id: string;
  sha1?: string;
  size: number;
}

export interface StateRecording {
  owner: StateOwner;
  /** Box's facts by destination path; a placed file without them (a one-ZIP pull) is hashed and has no id. */
  known?: ReadonlyMap<string, KnownFile>;
  /**
   * Entries carried over from the last pull (an update's untouched files, and the old copies of its moves); a file
   * placed at the path wins, and a removal takes its record with it (`released`).
   */
  carried?: readonly StateEntry[];
  /** Box's folders, by destination path; by default the placed folders and those of every recorded file. */
  folders?: readonly string[];
}

export interface RecordedPlaceResult extends PlaceResult {
  /** Box files left out because their path is the state file's. */
  reserved: string[];
}

/** Files hashed at once when no listing gives their SHA-1. */
const HASH_CONCURRENCY = 4;

export async function placeRecorded(
  filesDir: string,
  extracted: { files: ExtractedFile[]; directories: string[] },
  destination: string,
  options: PlaceOptions,
  recording: StateRecording | undefined,
  logger: Logger,
): Promise<RecordedPlaceResult> {
  const reserved = extracted.files.filter((file) => isReserved(file.relativePath)).map((f) => f.relativePath);
  for (const name of reserved)
    logger.warn(`Box's ${name} was not written: that name is Box Pull's state file (${STATE_FILE}).`);
  const files = extracted.files.filter((file) => !isReserved(file.relativePath));
  // Hashed in staging, before placing: once placed, a file is the user's, and is only looked at by lstat.
  const hashes = recording ? await stagedHashes(filesDir, files, recording, options.signal) : undefined;
  const placed = await placeFiles(
    filesDir,
    { files, directories: extracted.directories.filter((directory) => !isReserved(directory)) },
    destination,
    {
      ...options,
      finalFile:
        recording && hashes
          ? async (paths, removed, movedIn) =>
              writeStagedState(filesDir, paths, released(paths, removed, options), recording, {
                hashes,
                directories: extracted.directories,
                local: await localSizesAndTimes(destination, paths, movedIn),
              })
          : undefined,
    },
  );
  return { ...placed, reserved };
}

/** SHA-1s of the staged files the listing gives none for (a one-ZIP pull has no listing). */
async function stagedHashes(
  filesDir: string,
  files: readonly ExtractedFile[],
  recording: StateRecording,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const unknown = files.filter((file) => {
    if (recording.known?.get(file.relativePath)?.sha1 !== undefined) return false;
    // Hashed while it was extracted (`hashSha1`): not read back.
    if (file.sha1 !== undefined) hashes.set(file.relativePath, file.sha1);
    return file.sha1 === undefined;
  });
  await runPool(
    unknown,
    HASH_CONCURRENCY,
    async (file) => {
      hashes.set(file.relativePath, await sha1OfFile(resolveInside(filesDir, file.relativePath), signal));
    },
    { signal },
  );
  return hashes;
}

/** The state file's path or anything below a Box folder of that name. */
function isReserved(relativePath: string): boolean {
  return isStateFilePath(relativePath.split('/')[0]);
}

/**
 * Each placed file's local size and time: as staged for the files this session moved in (renames keep both, and
 * an edit made since then shows as a difference at the next update), from an `lstat` for those already in place.
 * One in place that is gone or is no file is left out, so the next update judges it by SHA-1.
 */
async function localSizesAndTimes(
  destination: string,
  placed: readonly string[],
  movedIn: ReadonlyMap<string, SizeAndTime>,
): Promise<Map<string, SizeAndTime>> {
  const local = new Map<string, SizeAndTime>();
  const inPlace: string[] = [];
  for (const relativePath of placed) {
    const staged = movedIn.get(relativePath);
    if (staged === undefined) inPlace.push(relativePath);
    else local.set(relativePath, staged);
  }
  await lstatEach(destination, inPlace, undefined, (relativePath, stat) => {
    if (stat?.isFile()) local.set(relativePath, stat);
  });
  return local;
}

async function writeStagedState(
  filesDir: string,
  placed: readonly string[],
  released: ReadonlySet<string>,
  recording: StateRecording,
  {
    hashes,
    directories,
    local,
  }: {
    hashes: ReadonlyMap<string, string>;
    directories: readonly string[];
    local: ReadonlyMap<string, SizeAndTime>;
  },
): Promise<string> {
  const fresh: StateEntry[] = [];
  for (const [relativePath, { size, mtimeMs }] of local) {
    const known = recording.known?.get(relativePath);
    const sha1 = known?.sha1 ?? hashes.get(relativePath);
    if (sha1 === undefined) continue;
    fresh.push({
      id: known?.id ?? null,
      path: relativePath,
      sha1: sha1.toLowerCase(),
      size: known?.size ?? size,
      localSize: size,
      localMtimeMs: mtimeMs,
    });
  }
  const placedPaths = new Set(placed);
  const entries = [
    ...(recording.carried ?? []).filter((entry) => !placedPaths.has(entry.path) && !released.has(entry.path)),
    ...fresh,
  ];
  const folders = recording.folders ?? [
    ...directories.filter((directory) => !isReserved(directory)),
    ...entries.flatMap((entry) => parentsOf(entry.path)),
  ];
  await fs.writeFile(
    path.join(filesDir, STATE_FILE),
    serializeState(recording.owner, entries, new Date(), folders),
  );
  return STATE_FILE;
}

/**
 * The removals' paths that are no longer Box Pull's to record: those removed, and the old copies whose new path is in
 * place but which were kept (changed since they were judged, or open with unsaved changes: the user's own now). An
 * old copy kept because its new path kept what was there stays recorded, so the next update tries again.
 */
function released(
  placed: readonly string[],
  removed: readonly string[],
  options: Pick<PlaceOptions, 'remove'>,
): Set<string> {
  const here = new Set(placed);
  const out = new Set(removed);
  for (const removal of options.remove ?? [])
    if (removal.makesWayFor !== undefined && here.has(removal.makesWayFor)) out.add(removal.relativePath);
  return out;
}

/** The folders above a file, nearest last: `a/b/c.txt` → `a`, `a/b`. */
function parentsOf(relativePath: string): string[] {
  const segments = relativePath.split('/').slice(0, -1);
  return segments.map((_, index) => segments.slice(0, index + 1).join('/'));
}

/** A pull of one folder has a state file; a pull of files or of several items does not. */
export function stateOwnerOf(
  items: readonly { type: string; id: string }[],
  client: { apiOrigin?: string },
): StateOwner | undefined {
  if (items.length !== 1 || items[0].type !== 'folder') return undefined;
  return { folderId: items[0].id, apiOrigin: client.apiOrigin ?? '' };
}
