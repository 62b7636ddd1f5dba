/**
 * An update: the same pull again, into a destination that holds a copy. List Box's folder, judge every path three
 * ways (updatePlan.ts), settle the true conflicts before any download (askFirst.ts: a file the user keeps is never
 * fetched), download only what changed or is new (a few files by content, many as ZIPs of file ids through
 * planned.ts), check every downloaded file's SHA-1, and place it all at once with the reversible placing:
 * downloads, Box's folders, local moves for Box renames, removals (`delete`) and the new state file change together
 * or not at all. Without a usable state file, the files here are judged by SHA-1 alone and nothing is removed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logger';
import { runPool } from '../extract/pool';
import { resolveInside } from '../naming/safeNames';
import { createStagingDir } from '../place/staging';
import type { ExtractedFile } from '../extract/fileExtraction';
import { walkTree, type ListedFile, type ListedFolder, type Listing, type WalkRoot } from '../pull/listing';
import { downloadFileContent } from '../pull/fileContent';
import { runPlanned } from '../pull/planned';
import { makeFilter } from '../pull/filters';
import { sleep } from '../abort';
import { NO_LIMITS } from '../pull/limits';
import type { PullProgressReporter } from '../pull/progress';
import type { PullReport, PullRequest } from '../pull/pull';
import {
  readPullState,
  isStateFilePath,
  recordsSame,
  type StateEntry,
  type StateOwner,
} from '../state/pullState';
import { placeRecorded, type KnownFile } from '../state/recordState';
import { sameSha1, sha1OfFile } from '../verify/checksum';
import { hashLocal, statLocal, statsChanged } from './localFiles';
import { localPath, lstatEach } from '../localStats';
import {
  pathsActedOn,
  planUpdate,
  tryPlan,
  type BoxFile,
  type LocalFile,
  type UpdateInput,
  type UpdatePlan,
} from './updatePlan';
import { placingOptionsOf } from '../pull/placingOptions';
import { cutListing, decideBeforeDownload, recordOf } from './askFirst';
import { findFolderMoves, foldersOf, isInside, type FolderMove } from './folderMoves';
import { movesKept, type MoveKept } from './movesKept';
import type { PlaceResult, Removal } from '../place/placement';

/**
 * Up to this many files go by `GET /files/{id}/content`, more as ZIPs of file ids. A content download costs two
 * requests (the API's 302 and the link), 3 at a time; a ZIP costs three (create, download, status) plus the build
 * of the archive, then streams every file over one connection. Measured (bench/results.md, "Update crossover"):
 * with 50 ms per API answer, small files come faster by content up to 8 and by ZIP from 16; on loopback content
 * wins up to 32; 25 MB files come faster by content at every k measured (up to 8). A Box slower than the emulator
 * to build an archive moves the crossover up, not down: 8 is the safe side.
 */
export const CONTENT_DOWNLOADS_UP_TO = 8;
/** Content downloads at once. */
const CONTENT_STREAMS = 3;

export interface UpdateSummary {
  dryRun: boolean;
  /** The state file was missing, corrupt or another folder's: files were judged by SHA-1 alone. */
  withoutState: boolean;
  updated: string[];
  new: string[];
  restored: string[];
  adopted: string[];
  /** Every file moved here from its old path, those of `folderMoves` included (a real update: those it moved). */
  moved: { from: string; to: string }[];
  /**
   * Moved or renamed on Box and changed there, unedited here: Box's copy downloaded to `to` and the copy at `from`
   * removed with it (those of `folderMoves` included). A real update lists only those it placed.
   */
  movedAndUpdated: { from: string; to: string }[];
  /**
   * Moved on Box (changed there or not), unedited here, and still at `from` after a real update, with why
   * (movesKept.ts): the new path kept what was there, or the old copy changed meanwhile. In neither `moved` nor
   * `movedAndUpdated`.
   */
  movesKept: MoveKept[];
  /**
   * Folders moved or renamed on Box, recognised whole (folderMoves.ts); their files are in `moved`, `movedAndUpdated`
   * and `new` too.
   */
  folderMoves: FolderMove[];
  unchanged: number;
  editedHere: string[];
  /** Deleted on Box and kept here (unedited ones only with `delete` off; edited ones always). */
  deletedOnBoxKept: string[];
  removed: string[];
  /**
   * Deleted on Box and unedited when judged, to be removed (`delete`), but changed by the placing (or open with
   * unsaved changes): kept, still recorded, and judged again next update. In neither `removed` nor `deletedOnBoxKept`.
   */
  removalsKept: string[];
  conflicts: string[];
  /** Conflicts the policy (or the user) left as they are: never downloaded. */
  conflictsKept: string[];
  /** Box's folders made here (an empty folder on Box appears too). */
  foldersCreated: string[];
  /** Folders deleted on Box and removed here: only empty ones, only with `delete`. */
  foldersRemoved: string[];
  /** Folders deleted on Box and kept here (`delete` off, or not empty). */
  foldersDeletedOnBoxKept: string[];
  contentDownloads: number;
  zipRequests: number;
  /** Files downloaded and placed (moves are not downloads): what the CLI's last line counts. */
  filesDownloaded: number;
}

export interface UpdateContext {
  request: PullRequest;
  owner: StateOwner;
  /** Where the listing starts: the folder, or for the root ("All Files") the items plan.ts learned. */
  root: WalkRoot;
  destination: string;
  progress: PullProgressReporter;
  logger: Logger;
  started: number;
  cleanedUp: string[];
}

/** Undefined when there is no usable state file and the destination holds nothing (a first pull): pull in full. */
export async function pullUpdate(
  context: UpdateContext,
  onStaging: (dir: string) => void,
): Promise<PullReport | undefined> {
  const { request, owner, destination, progress, logger } = context;
  const options = request.options ?? {};
  const read = await readPullState(destination, owner);
  if (read.kind === 'ignored') logger.warn(`${read.reason}; comparing files by SHA-1 instead.`);
  // No usable state file and nothing here: a first pull, one ZIP and no listing. With files here (a copy pulled
  // another way, a lost state file), each is compared with Box's by SHA-1: identical ones are adopted.
  if (read.kind !== 'found' && !(await holdsFiles(destination))) return undefined;
  const state = read.kind === 'found' ? read.state.files : undefined;
  const recorded = new Set<string>();
  for (const entry of state ?? []) recorded.add(entry.path);

  const walking = walkTree(request.client, context.root, {
    filter: makeFilter({}),
    concurrency: options.listConcurrency,
    callsPerMinute: options.callsPerMinute,
    signal: request.signal,
    onFolders: (folders) => progress.listed(folders),
  });
  // The recorded files are stat'ed while the walk waits for Box's answers, and after it only the paths new on Box.
  // A stat taken early is taken again, below, wherever the plan would act on it.
  const early = statLocal(destination, [...recorded], request.signal);
  early.catch(() => undefined); // awaited after the walk; should the walk fail first, its failure is the one told
  const listing = await walking;
  progress.listed(listing.folders, true);
  // The listed files themselves (a ListedFile is a BoxFile): the plan only reads them.
  const boxFiles: BoxFile[] = [];
  const newOnBox: string[] = [];
  for (const file of listing.files.values()) {
    if (isStateFilePath(file.path)) continue;
    boxFiles.push(file);
    if (!recorded.has(file.path)) newOnBox.push(file.path);
  }
  let local = await statLocal(destination, newOnBox, request.signal, await early);
  const input = { box: boxFiles, state, local, delete: options.delete === true };
  let plan = await judge(input, destination, request.signal);
  // A file changed here while Box was listed, where the plan would write, move, remove or record it: judged again,
  // every path on a stat taken now, so nothing is acted on by a stat older than the listing.
  const acted = pathsActedOn(plan).filter((p) => recorded.has(p));
  if ((await statsChanged(destination, local, acted, request.signal)).length > 0) {
    local = input.local = await statLocal(destination, [...recorded, ...newOnBox], request.signal);
    plan = await judge(input, destination, request.signal);
  }
  const recordedFolders = read.kind === 'found' ? (read.state.folders ?? []) : [];
  const folders = await judgeFolders(
    destination,
    listing,
    recordedFolders,
    options.delete === true,
    [...plan.moves, ...plan.movedChanged].map((m) => m.from),
  );
  // A folder move starts at a folder gone from Box: without one (most updates), there is none to look for.
  const folderMoves =
    folders.deletedOnBox.length === 0
      ? []
      : findFolderMoves({
          state: state ?? [],
          goneFromBox: folders.deletedOnBox,
          recorded: new Set([...recordedFolders, ...foldersOf((state ?? []).map((e) => e.path))]),
          boxFolders: new Set(folders.box),
          boxFiles: boxFiles.map((f) => f.path),
          movedOnBox: plan.movedOnBox,
        });
  // A moved folder's old one goes once empty, its empty folders below it included, even without `delete`.
  folders.remove = deepestFirst([
    ...new Set([
      ...folders.remove,
      ...folders.deletedOnBox.filter((f) => folderMoves.some((m) => f === m.from || isInside(f, m.from))),
    ]),
  ]);
  const summary = summarize(plan, folders, folderMoves, state === undefined, options.dryRun === true);
  if (options.dryRun) {
    const leaving = new Set([
      ...[...plan.moves, ...plan.movedChanged].map((m) => m.from),
      ...plan.deletedOnBox.filter((d) => d.remove).map((d) => d.path),
    ]);
    summary.foldersRemoved = await foldersLeftEmpty(destination, folders.remove, leaving);
    summary.foldersDeletedOnBoxKept = folders.deletedOnBox.filter((f) => !summary.foldersRemoved.includes(f));
    await whatStays(destination, summary, leaving);
    return report(context, summary, 0);
  }

  // Built when first needed: an update that changes nothing never looks a file up by its path.
  let byPathMap: Map<string, ListedFile> | undefined;
  const byPath = (): Map<string, ListedFile> =>
    (byPathMap ??= new Map([...listing.files.values()].map((file) => [file.path, file])));
  // Asked (or settled by the policy) before anything is downloaded: a file the user keeps is never fetched.
  const taken = await decideBeforeDownload(
    plan.conflicts.map((c) => byPath().get(c.file.path)!),
    local,
    destination,
    request,
  );
  const fetch = [
    ...plan.download.map((d) => d.file),
    ...plan.movedChanged.map((m) => m.file),
    ...plan.conflicts.map((c) => c.file).filter((file) => taken.has(file.path)),
  ];
  const carried: StateEntry[] = [...plan.carried];
  for (const file of plan.adopt) carried.push(recordOf(file, local.get(file.path)!));
  const stateFolders = [...folders.box, ...folders.deletedOnBox];
  // Nothing to download, move, remove or make, and the record already says it all: no staging, no placing, and
  // the state file is left as it is (rewriting it would be the whole of such an update's disk work).
  const changesNothing =
    fetch.length === 0 &&
    plan.moves.length === 0 &&
    plan.deletedOnBox.every((d) => !d.remove) &&
    folders.created.length === 0 &&
    folders.remove.length === 0;
  if (changesNothing && read.kind === 'found' && recordsSame(read.state, carried, stateFolders)) {
    summary.foldersDeletedOnBoxKept = folders.deletedOnBox;
    summary.conflictsKept = summary.conflicts;
    summary.movesKept = movesKept(movesOnto(plan), { ...NOTHING_PLACED, skippedByPolicy: summary.conflicts });
    progress.enter('done');
    return { ...report(context, summary, 0), renamed: listing.renamed, nonPortable: listing.nonPortable };
  }
  const staging = await createStagingDir(destination);
  onStaging(staging);
  const filesDir = path.join(staging, 'files');
  progress.startAttempt(1);
  progress.estimate(fetch.reduce((sum, file) => sum + file.size, 0));
  const fetched = await download(
    context,
    fetch.map((file) => byPath().get(file.path)!),
    listing,
    staging,
    summary,
  );
  // The ZIP path makes it itself; moves and the state file need it in any case.
  await fs.mkdir(filesDir, { recursive: true });

  // Box renames: the unedited local file goes to its new path, through staging like a download. Its old copy
  // goes only with the placing of the new one (`makesWayFor`); until then the last pull's record of it is carried,
  // and it goes with the file only when the file goes (recordState.ts).
  const staged: ExtractedFile[] = [...fetched.files];
  const removals: Removal[] = [];
  const removalOf = (relativePath: string, makesWayFor?: string): Removal => {
    const was = local.get(relativePath)!;
    return { relativePath, size: was.size, mtimeMs: was.mtimeMs, makesWayFor };
  };
  for (const move of plan.moves) {
    const target = resolveInside(filesDir, move.file.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs
      .link(localPath(destination, move.from), target)
      .catch(() => copyKeepingTime(destination, move.from, target));
    staged.push({ relativePath: move.file.path, size: move.file.size, archiveName: move.file.path });
    removals.push(removalOf(move.from, move.file.path));
    carried.push(move.record);
  }
  // Moved and changed on Box: likewise, once Box's new copy is downloaded (a SHA-1 that never matched leaves the
  // old copy here, still recorded, for the next update to try again).
  const fetchedPaths = new Set(fetched.files.map((file) => file.relativePath));
  for (const move of plan.movedChanged) {
    carried.push(move.record);
    if (fetchedPaths.has(move.file.path)) removals.push(removalOf(move.from, move.file.path));
  }
  // Moved onto a different file here, Box's copy taken: the old copy goes with its placing (its record is carried).
  for (const conflict of plan.conflicts)
    if (conflict.from && taken.has(conflict.file.path))
      removals.push(removalOf(conflict.from.path, conflict.file.path));
  for (const deleted of plan.deletedOnBox.filter((d) => d.remove)) removals.push(removalOf(deleted.path));

  const known = new Map<string, KnownFile>(byPath());
  progress.enter('placing');
  const placed = await placeRecorded(
    filesDir,
    { files: staged, directories: folders.box },
    destination,
    {
      ...placingOptionsOf(request),
      replace: new Set([...plan.download.map((d) => d.file.path), ...taken]),
      remove: removals,
    },
    { owner, known, carried, folders: stateFolders },
    logger,
  );
  // After the session: only empty folders go (never recursively), so nothing of the user's can be lost here.
  summary.foldersRemoved = await removeEmptyFolders(destination, folders.remove);
  summary.foldersDeletedOnBoxKept = folders.deletedOnBox.filter((f) => !summary.foldersRemoved.includes(f));
  await whatStays(destination, summary, new Set());
  progress.enter('done');
  const removed = new Set(placed.removed ?? []);
  summary.removed = plan.deletedOnBox.filter((d) => removed.has(d.path)).map((d) => d.path);
  summary.deletedOnBoxKept = plan.deletedOnBox.filter((d) => !d.remove).map((d) => d.path);
  summary.removalsKept = plan.deletedOnBox.filter((d) => d.remove && !removed.has(d.path)).map((d) => d.path);
  const placedPaths = new Set([...placed.written, ...placed.overwritten]);
  summary.conflictsKept = summary.conflicts.filter((p) => !placedPaths.has(p));
  // A move is said done only when its old copy went, which it does only with the placing of its new path. A conflict
  // kept before the download is kept by the policy (or the user) as surely as one kept while placing.
  const onto = movesOnto(plan);
  summary.movesKept = movesKept([...summary.moved, ...summary.movedAndUpdated, ...onto], {
    ...placed,
    skippedByPolicy: [...placed.skippedByPolicy, ...summary.conflicts.filter((p) => !taken.has(p))],
  });
  summary.moved = summary.moved.filter((m) => removed.has(m.from));
  summary.movedAndUpdated = [...summary.movedAndUpdated, ...onto].filter((m) => removed.has(m.from));
  summary.filesDownloaded = fetched.files.filter((file) => placedPaths.has(file.relativePath)).length;
  return {
    ...report(context, summary, fetched.bytes),
    filesWritten: placed.written.length,
    filesOverwritten: placed.overwritten.length,
    skippedByPolicy: placed.skippedByPolicy,
    protectedFiles: placed.protected,
    blocked: placed.blocked,
    renamed: listing.renamed,
    nonPortable: listing.nonPortable,
    nameConflicts: fetched.nameConflicts,
    checksumMismatches: fetched.mismatches,
    reserved: placed.reserved,
  };
}

/** Moves onto a path that holds a different local file (a conflict there): old path → new. */
function movesOnto(plan: UpdatePlan): { from: string; to: string }[] {
  return plan.conflicts.flatMap((c) => (c.from ? [{ from: c.from.path, to: c.file.path }] : []));
}

const NOTHING_PLACED: PlaceResult = {
  written: [],
  overwritten: [],
  upToDate: [],
  skippedByPolicy: [],
  protected: [],
  blocked: [],
};

interface Fetched {
  files: ExtractedFile[];
  bytes: number;
  mismatches: string[];
  nameConflicts: { originalName: string; downloadName: string }[];
}

/** A few files by content, many as ZIPs of file ids (planned.ts), every one SHA-1 checked against the listing. */
async function download(
  context: UpdateContext,
  files: ListedFile[],
  listing: Listing,
  staging: string,
  summary: UpdateSummary,
): Promise<Fetched> {
  const { request, progress, logger } = context;
  const filesDir = path.join(staging, 'files');
  const wanted = new Set(files);
  progress.totalFiles(files.length, true);
  progress.enter('downloading');
  if (files.length === 0) return { files: [], bytes: 0, mismatches: [], nameConflicts: [] };
  if (files.length <= (request.options?.contentDownloadsUpTo ?? CONTENT_DOWNLOADS_UP_TO)) {
    const out: Fetched = { files: [], bytes: 0, mismatches: [], nameConflicts: [] };
    let done = 0;
    await runPool(
      files,
      CONTENT_STREAMS,
      async (file) => {
        const target = resolveInside(filesDir, file.path);
        summary.contentDownloads++;
        out.bytes += await downloadFileContent({
          client: request.client,
          id: file.id,
          target,
          logger,
          signal: request.signal,
          onBytes: (bytes) => progress.downloaded(bytes),
        });
        if (sameSha1(file.sha1, await sha1OfFile(target, request.signal))) {
          out.files.push({ relativePath: file.path, size: file.size, archiveName: file.rawPath });
        } else {
          out.mismatches.push(file.path);
          await fs.rm(target, { force: true });
        }
        progress.filesDone(++done);
      },
      { signal: request.signal },
    );
    return out;
  }
  const result = await runPlanned({
    client: request.client,
    listing: cutListing(listing, (file) => wanted.has(file)),
    limits: NO_LIMITS,
    streams: Math.max(1, Math.floor(request.options?.streams ?? 3)),
    staging,
    progress,
    logger,
    signal: request.signal,
    statusPoll: request.statusPoll,
    extractWhileDownloading: request.extractWhileDownloading !== false,
    maxAttempts: Math.max(1, request.maxAttempts ?? 3),
    sleep: request.sleep ?? sleep,
  });
  summary.zipRequests = result.plan.zipRequests;
  summary.contentDownloads += result.plan.parts.filter((p) => p.byContent).length;
  return {
    files: result.extracted.files,
    bytes: result.bytesDownloaded,
    mismatches: result.checksumMismatches,
    nameConflicts: result.nameConflicts,
  };
}

interface FolderPlan {
  /** Box's folders now (every one, so that an empty one appears here too). */
  box: string[];
  /** Box's folders missing here: made by the update. */
  created: string[];
  /** Folders of the last pull gone from Box and still here. */
  deletedOnBox: string[];
  /** Those to remove if they are empty once the update is placed (`delete`), deepest first. */
  remove: string[];
}

/** Folders are judged like files: made when new on Box, removed (only empty, only with `delete`) when gone. */
async function judgeFolders(
  destination: string,
  listing: Listing,
  recorded: readonly string[],
  remove: boolean,
  movedFrom: readonly string[],
): Promise<FolderPlan> {
  const box: string[] = [];
  const walk = (folder: ListedFolder): void => {
    if (folder.path !== '') box.push(folder.path);
    folder.folders.forEach(walk);
  };
  walk(listing.root);
  const onBox = new Set(box);
  const folderHere = new Set<string>();
  await lstatEach(destination, [...box, ...recorded.filter((f) => !onBox.has(f))], undefined, (p, stat) => {
    if (stat?.isDirectory()) folderHere.add(p);
  });
  const created = box.filter((folder) => !folderHere.has(folder));
  const deletedOnBox = recorded.filter((folder) => !onBox.has(folder) && folderHere.has(folder));
  // A folder renamed on Box is moved here file by file: the old one, once empty, goes too, even without `delete`.
  const leftByMove = (folder: string) => movedFrom.some((from) => isInside(from, folder));
  return {
    box,
    created,
    deletedOnBox,
    remove: deepestFirst(deletedOnBox.filter((f) => remove || leftByMove(f))),
  };
}

function deepestFirst(folders: readonly string[]): string[] {
  return [...folders].sort((a, b) => b.split('/').length - a.split('/').length);
}

/**
 * Whether each moved folder's old one stays here, and what it still holds (every file in it but those the update
 * takes away, `leaving`: a dry run's plan; after a real update, nothing, the disk says). Said, never hidden: an
 * edited file, a file of the user's or one not removed keeps the old folder.
 */
async function whatStays(
  destination: string,
  summary: UpdateSummary,
  leaving: ReadonlySet<string>,
): Promise<void> {
  for (const move of summary.folderMoves) {
    move.kept = !summary.foldersRemoved.includes(move.from);
    move.left = move.kept ? (await filesIn(destination, move.from)).filter((p) => !leaving.has(p)) : [];
  }
}

/** Every entry but folders below `folder` (relative to the destination), sorted; none if it cannot be read. */
async function filesIn(destination: string, folder: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await fs
      .readdir(localPath(destination, relative), { withFileTypes: true })
      .catch(() => []);
    for (const entry of entries) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else found.push(child);
    }
  };
  await walk(folder);
  return found.sort();
}

/**
 * Which `candidates` (deepest first) the update would leave empty, so that removeEmptyFolders would remove them:
 * every entry in one is a file the update takes away (`leaving`: removals, the old paths of moves) or a candidate
 * found empty before it. A user's file, an edited file kept, anything else keeps the folder. What a dry run says.
 */
async function foldersLeftEmpty(
  destination: string,
  candidates: readonly string[],
  gone: ReadonlySet<string>,
): Promise<string[]> {
  const empty = new Set<string>();
  for (const folder of candidates) {
    const entries = await fs.readdir(localPath(destination, folder), { withFileTypes: true }).catch(() => []);
    const child = (name: string) => `${folder}/${name}`;
    if (entries.every((e) => (e.isDirectory() ? empty.has(child(e.name)) : gone.has(child(e.name))))) {
      empty.add(folder);
    }
  }
  return [...empty].sort();
}

/** Removes each folder that is empty (deepest first); returns those removed. */
async function removeEmptyFolders(destination: string, folders: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const folder of folders) {
    const done = await fs.rmdir(localPath(destination, folder)).then(
      () => true,
      () => false, // not empty (the user's files, or an edited file kept), or gone: it stays as it is
    );
    if (done) removed.push(folder);
  }
  return removed.sort();
}

function summarize(
  plan: UpdatePlan,
  folders: FolderPlan,
  folderMoves: readonly { from: string; to: string }[],
  withoutState: boolean,
  dryRun: boolean,
): UpdateSummary {
  const by = (reason: string) => plan.download.filter((d) => d.reason === reason).map((d) => d.file.path);
  return {
    dryRun,
    withoutState,
    updated: by('changed'),
    new: by('new'),
    restored: by('restored'),
    adopted: plan.adopt.map((f) => f.path),
    moved: plan.moves.map((m) => ({ from: m.from, to: m.file.path })),
    movedAndUpdated: plan.movedChanged.map((m) => ({ from: m.from, to: m.file.path })),
    // Set once known (after the placing).
    movesKept: [],
    folderMoves: folderMoves.map(({ from, to }) => {
      const inside = (p: string) => isInside(p, to);
      const downloaded =
        plan.download.filter((d) => d.reason === 'new' && inside(d.file.path)).length +
        plan.movedChanged.filter((m) => inside(m.file.path)).length;
      return {
        from,
        to,
        files: plan.movedOnBox.filter((m) => inside(m.to)).length,
        moved: plan.moves.filter((m) => inside(m.file.path)).length,
        downloaded,
        // Set once known (whatStays).
        kept: false,
        left: [],
      };
    }),
    unchanged: plan.unchanged,
    editedHere: plan.editedHere,
    deletedOnBoxKept: plan.deletedOnBox.filter((d) => !d.remove).map((d) => d.path),
    removed: plan.deletedOnBox.filter((d) => d.remove).map((d) => d.path),
    // Set once known (after the placing).
    removalsKept: [],
    conflicts: plan.conflicts.map((c) => c.file.path),
    conflictsKept: [],
    foldersCreated: folders.created,
    // Set once known: a dry run's from foldersLeftEmpty, a real update's from what its `rmdir`s removed.
    foldersRemoved: [],
    foldersDeletedOnBoxKept: [],
    contentDownloads: 0,
    zipRequests: 0,
    filesDownloaded: 0,
  };
}

function report(context: UpdateContext, update: UpdateSummary, bytes: number): PullReport {
  return {
    destination: context.destination,
    filesWritten: 0,
    filesOverwritten: 0,
    filesSkippedByBox: 0,
    foldersSkippedByBox: 0,
    skippedByPolicy: [],
    protectedFiles: [],
    // Unchanged files are counted once, in `update.unchanged`.
    alreadyUpToDate: [],
    blocked: [],
    nameConflicts: [],
    renamed: [],
    cleanedUp: context.cleanedUp,
    nonPortable: [],
    boxState: 'succeeded',
    bytesDownloaded: bytes,
    durationMs: Math.round(performance.now() - context.started),
    attempts: 1,
    update,
  };
}

/** The plan, hashing first the local files whose stat differs from their record (an update of nothing hashes none). */
async function judge(
  input: UpdateInput & { local: Map<string, LocalFile> },
  destination: string,
  signal: AbortSignal | undefined,
): Promise<UpdatePlan> {
  const first = tryPlan(input);
  if (first.missing.length === 0) return first.plan;
  await hashLocal(destination, input.local, first.missing, signal);
  return planUpdate(input);
}

/** Anything in the destination besides Box Pull's own files. */
async function holdsFiles(destination: string): Promise<boolean> {
  const names = await fs.readdir(destination).catch(() => [] as string[]);
  return names.some((name) => !name.startsWith('.box-pull-staging-') && !isStateFilePath(name));
}

async function copyKeepingTime(destination: string, from: string, target: string): Promise<void> {
  const source = localPath(destination, from);
  await fs.copyFile(source, target);
  const stat = await fs.stat(source);
  await fs.utimes(target, stat.atime, stat.mtime);
}
