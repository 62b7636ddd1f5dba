/**
 * An update: the same pull again, into a destination that holds a copy. List Box's folder, judge every path three
 * ways (updatePlan.ts), download only what changed or is new (a few files by content, many as ZIPs of file ids
 * through planned.ts), check every downloaded file's SHA-1, and place it all at once with the reversible placing:
 * downloads, local moves for Box renames, removals (`delete`) and the new state file change together or not at all.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logger';
import { runPool } from '../extract/pool';
import { resolveInside } from '../naming/safeNames';
import { createStagingDir } from '../place/staging';
import type { ExtractedFile } from '../extract/fileExtraction';
import { walkTree, type ListedFile, type ListedFolder, type Listing } from '../pull/listing';
import { downloadFileContent } from '../pull/fileContent';
import { runPlanned } from '../pull/planned';
import { makeFilter } from '../pull/filters';
import { sleep } from '../abort';
import { NO_LIMITS } from '../pull/limits';
import type { PullProgressReporter } from '../pull/progress';
import type { PullReport, PullRequest } from '../pull/pull';
import { readPullState, isStateFilePath, type StateEntry, type StateOwner } from '../state/pullState';
import { placeRecorded, type KnownFile } from '../state/recordState';
import { sameSha1, sha1OfFile } from '../verify/checksum';
import { hashLocal, localPath, statLocal } from './localFiles';
import { hashesNeeded, planUpdate, type BoxFile, type UpdatePlan } from './updatePlan';
import { placingOptionsOf } from '../pull/placingOptions';

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
  moved: { from: string; to: string }[];
  unchanged: number;
  editedHere: string[];
  /** Deleted on Box and kept here (unedited ones only with `delete` off; edited ones always). */
  deletedOnBoxKept: string[];
  removed: string[];
  conflicts: string[];
  /** Conflicts the policy (or the user) left as they are. */
  conflictsKept: string[];
  contentDownloads: number;
  zipRequests: number;
}

export interface UpdateContext {
  request: PullRequest;
  owner: StateOwner;
  folderName: string;
  destination: string;
  progress: PullProgressReporter;
  logger: Logger;
  started: number;
  cleanedUp: string[];
}

/** Undefined when there is no state file (a first pull): pull in full. */
export async function pullUpdate(
  context: UpdateContext,
  onStaging: (dir: string) => void,
): Promise<PullReport | undefined> {
  const { request, owner, destination, progress, logger } = context;
  const options = request.options ?? {};
  const read = await readPullState(destination, owner);
  // No state file at all: a first pull, under the conflict policy as before (see /tmp/updates-docs.md, "left").
  if (read.kind === 'missing') return undefined;
  if (read.kind === 'ignored') {
    logger.warn(`${read.reason}; comparing files by SHA-1 instead.`);
    if (!(await holdsFiles(destination))) return undefined;
  }
  const state = read.kind === 'found' ? read.state.files : undefined;

  const listing = await walkTree(
    request.client,
    { id: owner.folderId, name: context.folderName },
    {
      filter: makeFilter({}),
      concurrency: options.listConcurrency,
      callsPerMinute: options.callsPerMinute,
      signal: request.signal,
      onFolders: (folders) => progress.listed(folders),
    },
  );
  progress.listed(listing.folders, true);
  const boxFiles: BoxFile[] = [...listing.files.values()]
    .filter((file) => !isStateFilePath(file.path))
    .map(({ id, path: p, sha1, size }) => ({ id, path: p, sha1, size }));
  const paths = [...new Set([...boxFiles.map((f) => f.path), ...(state ?? []).map((e) => e.path)])];
  const local = await statLocal(destination, paths, request.signal);
  await hashLocal(destination, local, hashesNeeded({ box: boxFiles, state, local }), request.signal);
  const plan = planUpdate({ box: boxFiles, state, local, delete: options.delete === true });
  const summary = summarize(plan, state === undefined, options.dryRun === true);
  if (options.dryRun) return report(context, summary, 0);

  const policy = request.conflictPolicy;
  const fetch = [
    ...plan.download.map((d) => d.file),
    ...(policy === 'skip' ? [] : plan.conflicts.map((c) => c.file)),
  ];
  const byPath = new Map([...listing.files.values()].map((file) => [file.path, file]));
  const staging = await createStagingDir(destination);
  onStaging(staging);
  const filesDir = path.join(staging, 'files');
  progress.startAttempt(1);
  progress.estimate(fetch.reduce((sum, file) => sum + file.size, 0));
  const fetched = await download(
    context,
    fetch.map((file) => byPath.get(file.path)!),
    listing,
    staging,
    summary,
  );
  // The ZIP path makes it itself; moves and the state file need it in any case.
  await fs.mkdir(filesDir, { recursive: true });

  // Box renames: the unedited local file goes to its new path, through staging like a download.
  const staged: ExtractedFile[] = [...fetched.files];
  const removals: { relativePath: string; size: number; mtimeMs: number }[] = [];
  for (const move of plan.moves) {
    const target = resolveInside(filesDir, move.file.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs
      .link(localPath(destination, move.from), target)
      .catch(() => copyKeepingTime(destination, move.from, target));
    staged.push({ relativePath: move.file.path, size: move.file.size, archiveName: move.file.path });
    const was = local.get(move.from)!;
    removals.push({ relativePath: move.from, size: was.size, mtimeMs: was.mtimeMs });
  }
  for (const deleted of plan.deletedOnBox.filter((d) => d.remove)) {
    const was = local.get(deleted.path)!;
    removals.push({ relativePath: deleted.path, size: was.size, mtimeMs: was.mtimeMs });
  }

  const known = new Map<string, KnownFile>([...byPath].map(([p, file]) => [p, file]));
  const carried: StateEntry[] = [...plan.carried];
  for (const file of plan.adopt) carried.push(entryOf(file, local.get(file.path)!));
  for (const move of plan.moves) carried.push(entryOf(move.file, local.get(move.from)!));
  progress.enter('placing');
  const placed = await placeRecorded(
    filesDir,
    { files: staged, directories: [] },
    destination,
    {
      ...placingOptionsOf(request),
      replace: new Set(plan.download.map((d) => d.file.path)),
      remove: removals,
    },
    { owner, known, carried },
    logger,
  );
  progress.enter('done');
  const removed = new Set(placed.removed ?? []);
  summary.removed = plan.deletedOnBox.filter((d) => removed.has(d.path)).map((d) => d.path);
  summary.deletedOnBoxKept = plan.deletedOnBox.filter((d) => !removed.has(d.path)).map((d) => d.path);
  const placedPaths = new Set([...placed.written, ...placed.overwritten]);
  summary.conflictsKept = summary.conflicts.filter((p) => !placedPaths.has(p));
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
    listing: only(listing, files),
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

/** The listing cut down to `files`, no folder whole, so each file is its own ZIP item. */
function only(listing: Listing, files: ListedFile[]): Listing {
  const wanted = new Set(files);
  const cut = (folder: ListedFolder): ListedFolder => {
    const folders = folder.folders.map(cut).filter((child) => child.fileCount > 0);
    const own = folder.files.filter((file) => wanted.has(file));
    return {
      ...folder,
      files: own,
      folders,
      whole: false,
      fileCount: own.length + folders.reduce((n, child) => n + child.fileCount, 0),
      bytes: own.reduce((n, f) => n + f.size, 0) + folders.reduce((n, child) => n + child.bytes, 0),
    };
  };
  return { ...listing, root: cut(listing.root), files: new Map(files.map((file) => [file.rawPath, file])) };
}

function entryOf(file: BoxFile, local: { size: number; mtimeMs: number }): StateEntry {
  return {
    id: file.id,
    path: file.path,
    sha1: (file.sha1 ?? '').toLowerCase(),
    size: file.size,
    localSize: local.size,
    localMtimeMs: local.mtimeMs,
  };
}

function summarize(plan: UpdatePlan, withoutState: boolean, dryRun: boolean): UpdateSummary {
  const by = (reason: string) => plan.download.filter((d) => d.reason === reason).map((d) => d.file.path);
  return {
    dryRun,
    withoutState,
    updated: by('changed'),
    new: by('new'),
    restored: by('restored'),
    adopted: plan.adopt.map((f) => f.path),
    moved: plan.moves.map((m) => ({ from: m.from, to: m.file.path })),
    unchanged: plan.unchanged,
    editedHere: plan.editedHere,
    deletedOnBoxKept: plan.deletedOnBox.filter((d) => !d.remove).map((d) => d.path),
    removed: plan.deletedOnBox.filter((d) => d.remove).map((d) => d.path),
    conflicts: plan.conflicts.map((c) => c.file.path),
    conflictsKept: [],
    contentDownloads: 0,
    zipRequests: 0,
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
