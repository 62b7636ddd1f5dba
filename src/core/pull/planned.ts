/**
 * The planned path of a pull: list the tree, split it into parts under Box's limits, download up to N parts at once
 * into the one staging folder (each extracted while it downloads, by attempt.ts), move every file to the path the
 * listing gives it, and check each file's SHA-1 against the listing's. Placement stays the caller's (pull.ts): the
 * destination changes once, at the end.
 *
 * A part Box refuses for a limit is split again with the tighter limit; a part that fails otherwise is retried on
 * its own with a fresh ZIP, keeping the parts already in; a `429 user_too_many_concurrent_downloads` lowers N.
 */
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { abortError, isAbortError, throwIfAborted } from '../abort';
import type { BoxClient } from '../box/client';
import type { ZipDownload } from '../box/types';
import type { ExtractedFile } from '../extract/fileExtraction';
import type { Logger } from '../logger';
import { runPool } from '../extract/pool';
import { resolveInside } from '../naming/safeNames';
import { sameSha1, sha1OfFile } from '../verify/checksum';
import { BoxApiError, PullError, messageOf } from '../errors';
import { Attempt, type AttemptProgress } from './attempt';
import { isWorthAnotherZip } from './failure';
import { downloadFileContent } from './fileContent';
import { isUnavailable } from './leftOut';
import { learnLimits, limitRefusal } from './limits';
import { matchArchiveFiles } from './partIntake';
import type { ListedFile, ListedFolder, Listing } from './listing';
import { MAX_PARTS, partition, type Limits, type Part } from './partition';
import type { PullProgressReporter } from './progress';
import type { StatusPollOptions } from './status';

export interface PlannedContext {
  client: BoxClient;
  listing: Listing;
  limits: Limits;
  /** Parts smaller than the limits require, so that several streams share the work. */
  targetBytes?: number;
  streams: number;
  staging: string;
  progress: PullProgressReporter;
  logger: Logger;
  signal?: AbortSignal;
  statusPoll?: Partial<StatusPollOptions>;
  extractWhileDownloading: boolean;
  /** Fresh ZIPs per part after a failed download, in all. */
  maxAttempts: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** No ZIPs: every file by its content, `streams` at a time (a shared link's items Box would not zip). */
  byContent?: boolean;
}

/** What `--json` shows of the plan. */
export interface PlanSummary {
  parts: { items: number; files: number; bytes: number; byContent?: boolean }[];
  /** API requests: listing pages, ZIP creates, file content requests. */
  requests: number;
  listRequests: number;
  foldersListed: number;
  zipRequests: number;
  /** Most streams that ran at once, and the limit N ended at. */
  streamsUsed: number;
  streamsLimit: number;
  excluded: { files: number; bytes: number; folders: number };
}

export interface PlannedResult {
  filesDir: string;
  extracted: { files: ExtractedFile[]; directories: string[] };
  /** Selected items that shared a name, renamed by the listing. */
  nameConflicts: { originalName: string; downloadName: string }[];
  skippedFiles: number;
  /** Files Box skipped in a part's ZIP, fetched by content instead. */
  fetchedAfterSkip: number;
  skippedFolders: number;
  boxState: string;
  bytesDownloaded: number;
  /** Files whose bytes never matched Box's SHA-1, even fetched again: not placed. */
  checksumMismatches: string[];
  plan: PlanSummary;
}

type Task = { kind: 'zip'; part: Part; attempt: number } | { kind: 'file'; file: ListedFile };

const CONCURRENCY_CODE = 'user_too_many_concurrent_downloads';
const MAX_SIGNAL_LISTENERS = 200;
/** Files moved at once when a part is in. */
const MOVE_CONCURRENCY = 16;
/** Files hashed at once after a part is in. */
const HASH_CONCURRENCY = 8;
/** How long the other streams wait, at most, for the first stream's first file (see runTasks). */
export const FIRST_FILE_HOLD_MS = 2000;

export async function runPlanned(context: PlannedContext): Promise<PlannedResult> {
  return new PlannedPull(context).run();
}

class PlannedPull {
  private readonly filesDir: string;
  private readonly placed = new Map<string, ExtractedFile & { file: ListedFile }>();
  private readonly mismatched: ListedFile[] = [];
  private readonly result: Omit<
    PlannedResult,
    'filesDir' | 'extracted' | 'checksumMismatches' | 'plan' | 'nameConflicts'
  > = {
    skippedFiles: 0,
    fetchedAfterSkip: 0,
    skippedFolders: 0,
    boxState: 'succeeded',
    bytesDownloaded: 0,
  };
  private readonly summary: PlanSummary;
  private limits: Limits;
  private streams: number;
  private partsMade = 0;
  private partNumber = 0;
  private readonly filesDoneByTask = new Map<number, number>();
  /** Set while the other streams wait for the first file (runTasks): called once a file is in staging. */
  private firstFileIn: (() => void) | undefined;
  /** Ends every part still running when one fails for good. */
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(private readonly context: PlannedContext) {
    this.filesDir = path.join(context.staging, 'files');
    this.limits = context.limits;
    this.streams = Math.max(1, context.streams);
    this.signal = context.signal ? AbortSignal.any([context.signal, this.stop.signal]) : this.stop.signal;
    // Each running part listens for the cancel several times over (download, extraction, status, hashing).
    setMaxListeners(MAX_SIGNAL_LISTENERS, this.signal, this.stop.signal);
    const { listing } = context;
    this.summary = {
      parts: [],
      requests: listing.requests,
      listRequests: listing.requests,
      foldersListed: listing.folders,
      zipRequests: 0,
      streamsUsed: 0,
      streamsLimit: this.streams,
      excluded: { ...listing.excluded },
    };
  }

  async run(): Promise<PlannedResult> {
    const { listing, progress } = this.context;
    await fs.mkdir(this.filesDir);
    progress.totalFiles(listing.files.size, true);
    progress.enter('downloading');
    await this.runTasks(this.tasksFor([listing.root]));
    await this.fetchSkipped();
    await this.recheckMismatches();
    this.summary.streamsLimit = this.streams;
    return {
      ...this.result,
      filesDir: this.filesDir,
      // Box's `name_conflicts` only find items in an archive (partIntake.ts): every file goes to its listed path.
      nameConflicts: [...listing.nameConflicts],
      extracted: {
        files: [...this.placed.values()].map(({ relativePath, size, archiveName }) => ({
          relativePath,
          size,
          archiveName,
        })),
        directories: directoriesOf(listing.root),
      },
      checksumMismatches: this.mismatched.map((file) => file.path),
      plan: this.summary,
    };
  }

  private tasksFor(nodes: readonly (ListedFolder | ListedFile)[], attempt = 1): Task[] {
    // A byte limit of -1 puts every file, empty ones too, in `direct`.
    const limits = this.context.byContent ? { maxFiles: 0, maxBytes: -1 } : this.limits;
    const split = partition(nodes, limits, this.context.targetBytes);
    this.partsMade += split.parts.length + split.direct.length;
    if (this.partsMade > MAX_PARTS) {
      throw new PullError(
        'too_large',
        `Box's limits would split this folder into more than ${MAX_PARTS} downloads; pull its subfolders separately.`,
      );
    }
    return [
      ...split.parts.map((part): Task => ({ kind: 'zip', part, attempt })),
      ...split.direct.map((file): Task => ({ kind: 'file', file })),
    ];
  }

  /**
   * Runs tasks, at most `streams` at once; tasks may queue more. The first failure for good stops the rest.
   *
   * The first task runs alone until its first file is in staging (firstFileHold), so that the user sees a file at
   * one stream's full rate rather than a third of it; the others start then, and the pull's total barely moves.
   */
  private async runTasks(queue: Task[]): Promise<void> {
    const running = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const hold = this.firstFileHold(queue.length > 1 && this.streams > 1);
    try {
      while (!failure && (queue.length > 0 || running.size > 0)) {
        while (!failure && queue.length > 0 && running.size < (hold.on ? 1 : this.streams)) {
          const task = queue.shift()!;
          const run: Promise<void> = this.runTask(task, queue)
            .catch((error: unknown) => {
              if (!failure) {
                failure = { error };
                this.stop.abort(error);
              }
            })
            .finally(() => {
              running.delete(run);
              // A first task that ended without a file (failed, to be retried, or a part of empty files) holds
              // nothing back: its retry is a task like the others.
              hold.release('the first part ended');
            });
          running.add(run);
          this.summary.streamsUsed = Math.max(this.summary.streamsUsed, running.size);
        }
        if (running.size > 0) await Promise.race(hold.on ? [...running, hold.released] : running);
      }
    } finally {
      hold.release();
    }
    // Nothing may still be writing into the staging folder when the caller removes it.
    await Promise.allSettled(running);
    if (this.context.signal?.aborted) throw abortError(this.context.signal);
    if (failure) throw failure.error;
  }

  /**
   * Holds the other streams back until a file is in staging (reportFiles), the first task ends, or
   * FIRST_FILE_HOLD_MS pass: a first file that takes longer (a large one, a slow server) must not cost the pull its
   * parallel streams for long. Time rather than bytes bounds it, because time is what the hold costs the user.
   */
  private firstFileHold(wanted: boolean): {
    readonly on: boolean;
    released: Promise<void>;
    release(why?: string): void;
  } {
    const bound = new AbortController();
    const started = performance.now();
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold = {
      on: wanted,
      released,
      release: (why?: string) => {
        if (!hold.on) return;
        hold.on = false;
        this.firstFileIn = undefined;
        bound.abort();
        release();
        if (why) {
          this.context.logger.debug(
            `The other streams start ${Math.round(performance.now() - started)} ms after the first: ${why}`,
          );
        }
      },
    };
    if (!wanted) return hold;
    this.firstFileIn = () => hold.release('its first file is in staging');
    // The request's sleep, so that tests hold or pass the bound at will; aborted once the hold ends another way.
    this.context.sleep(FIRST_FILE_HOLD_MS, bound.signal).then(
      () => hold.release(`no file within ${FIRST_FILE_HOLD_MS} ms`),
      () => undefined,
    );
    return hold;
  }

  private async runTask(task: Task, queue: Task[]): Promise<void> {
    throwIfAborted(this.signal);
    if (task.kind === 'file') return this.runFile(task.file);
    const { part } = task;
    const number = ++this.partNumber;
    const partDir = path.join(this.context.staging, `part-${number}`);
    await fs.mkdir(partDir);
    const progress = this.partProgress(number);
    try {
      const outcome = await new Attempt({
        client: this.context.client,
        plan: {
          zipItems: part.items.map(({ type, id }) => ({ type, id })),
          displayName: `${this.context.listing.root.name} (part ${number})`,
        },
        staging: partDir,
        progress,
        onZipRequest: () => {
          this.summary.zipRequests++;
          this.summary.requests++;
        },
        logger: this.context.logger,
        signal: this.signal,
        statusPoll: this.context.statusPoll,
        extractWhileDownloading: this.context.extractWhileDownloading,
        // Each file is checked against the listing's SHA-1: hashed while in memory, it is never read back.
        hashSha1: true,
      }).run();
      const skipped = outcome.status?.skipped_file_count ?? 0;
      await this.takeIn(part, outcome.zip, outcome.extracted.files, path.join(partDir, 'files'), skipped);
      this.result.skippedFiles += skipped;
      this.result.skippedFolders += outcome.status?.skipped_folder_count ?? 0;
      const state = outcome.status?.state ?? 'unknown';
      if (state !== 'succeeded') this.result.boxState = state;
      this.summary.parts.push({ items: part.items.length, files: part.files, bytes: part.bytes });
    } catch (error) {
      if (isAbortError(error) || this.signal.aborted) throw error;
      await fs.rm(partDir, { recursive: true, force: true });
      // Nothing of the part is kept: its bytes and files are counted again by the fresh ZIP that replaces it.
      progress.restartDownload();
      this.filesDoneByTask.delete(number);
      this.reportFiles();
      queue.push(...(await this.afterFailure(task, error)));
    } finally {
      await fs.rm(partDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** What to do after a part failed: split it, wait for a free stream, retry it alone, or give up. */
  private async afterFailure(task: Task & { kind: 'zip' }, error: unknown): Promise<Task[]> {
    const { part } = task;
    const refusal = limitRefusal(error);
    if (refusal) {
      const single = part.items.length === 1 && part.items[0].type === 'file';
      if (refusal === 'files' && single) {
        throw new PullError(
          'too_large',
          'Box refused a ZIP download of a single file; its limits make no sense.',
          {
            cause: error,
          },
        );
      }
      this.limits = learnLimits(error, part, this.limits);
      this.context.logger.info(`Box refused a part of ${part.files} files (${refusal}); splitting it.`);
      // A one-file part refused for its bytes goes by file content: partition puts it in `direct`.
      if (single) this.limits = { ...this.limits, maxBytes: Math.min(this.limits.maxBytes, part.bytes - 1) };
      return this.tasksFor(
        part.items.map((item) => item.node),
        task.attempt,
      );
    }
    if (error instanceof BoxApiError && error.status === 429 && error.code === CONCURRENCY_CODE) {
      const lowered = Math.max(1, this.streams - 1);
      this.context.logger.warn(`Box allows fewer downloads at once; going on with ${lowered}.`);
      if (this.streams === 1 && task.attempt >= this.context.maxAttempts) throw error;
      this.streams = lowered;
      await this.context.sleep(error.retryAfterMs ?? 1000, this.signal);
      return [{ ...task, attempt: this.streams === 1 ? task.attempt + 1 : task.attempt }];
    }
    if (!isWorthAnotherZip(error) || task.attempt >= this.context.maxAttempts) throw error;
    this.context.logger.warn(
      `A part of ${part.files} files failed (attempt ${task.attempt} of ${this.context.maxAttempts}); ` +
        `requesting a fresh ZIP for it alone: ${messageOf(error)}`,
    );
    await this.context.sleep(Math.min(8000, 1000 * 2 ** (task.attempt - 1)), this.signal);
    return [{ ...task, attempt: task.attempt + 1 }];
  }

  /** Moves a part's files to the paths the listing gives them (partIntake.ts) and checks each one's SHA-1. */
  private async takeIn(
    part: Part,
    zip: ZipDownload,
    files: ExtractedFile[],
    partDir: string,
    skipped: number,
  ): Promise<void> {
    const { found, unlisted } = matchArchiveFiles(part, zip.name_conflicts, files, this.context.listing);
    for (const name of unlisted) {
      this.context.logger.warn(`Left out ${JSON.stringify(name)}: it is no file of the listing.`);
    }
    // Files Box neither sent nor counted as skipped: the archive is short, and a fresh ZIP of this part may not be.
    if (part.files - found.length > skipped) {
      throw new PullError(
        'incomplete',
        `A part's archive held ${found.length} of its ${part.files} files, and Box skipped only ${skipped}.`,
      );
    }
    // Thousands of files a part: each folder is made once, and the renames keep the thread pool busy.
    const folders = new Map<string, Promise<unknown>>();
    const folder = (dir: string): Promise<unknown> => {
      let made = folders.get(dir);
      if (!made) folders.set(dir, (made = fs.mkdir(dir, { recursive: true })));
      return made;
    };
    await runPool(
      found,
      MOVE_CONCURRENCY,
      async ({ file, extracted }) => {
        const target = resolveInside(this.filesDir, file.path);
        await folder(path.dirname(target));
        await fs.rename(resolveInside(partDir, extracted.relativePath), target);
        this.placed.set(file.path, {
          relativePath: file.path,
          size: extracted.size,
          archiveName: file.rawPath,
          file,
        });
      },
      { signal: this.signal },
    );
    await this.verify(found.map(({ file, extracted }) => ({ file, sha1: extracted.sha1 })));
  }

  private async runFile(file: ListedFile): Promise<void> {
    const target = resolveInside(this.filesDir, file.path);
    this.summary.requests += 2; // the content request and its redirect target
    await downloadFileContent({
      client: this.context.client,
      id: file.id,
      target,
      logger: this.context.logger,
      signal: this.signal,
      onBytes: (bytes) => this.addBytes(bytes),
    });
    this.placed.set(file.path, { relativePath: file.path, size: file.size, archiveName: file.rawPath, file });
    this.summary.parts.push({ items: 1, files: 1, bytes: file.size, byContent: true });
    await this.verify([{ file }]);
  }

  /**
   * Checks files as they arrive; a mismatch is fetched again once, after every part is in. Small files come with
   * the SHA-1 taken while they were extracted; only the others (large entries, file content) are read back.
   */
  private async verify(files: { file: ListedFile; sha1?: string }[]): Promise<void> {
    const unhashed: ListedFile[] = [];
    for (const { file, sha1 } of files) {
      if (sha1 === undefined) unhashed.push(file);
      else if (!sameSha1(file.sha1, sha1)) this.mismatched.push(file);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < unhashed.length) {
        const file = unhashed[next++];
        const actual = await sha1OfFile(resolveInside(this.filesDir, file.path), this.signal);
        if (!sameSha1(file.sha1, actual)) this.mismatched.push(file);
      }
    };
    await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, unhashed.length) }, worker));
    this.filesDoneByTask.set(-1, this.placed.size);
    this.reportFiles();
  }

  /**
   * Files Box skipped in a part's ZIP: the listing names them, so each is fetched by its content (leftOut.ts says
   * why). Those Box will not serve either stay skipped, and are reported.
   */
  private async fetchSkipped(): Promise<void> {
    if (this.result.skippedFiles === 0) return;
    const arrived = new Set([...this.placed.keys(), ...this.mismatched.map((file) => file.path)]);
    const missing = [...this.context.listing.files.values()].filter((file) => !arrived.has(file.path));
    await runPool(
      missing,
      this.streams,
      async (file) => {
        try {
          await this.runFile(file);
        } catch (error) {
          await fs.rm(resolveInside(this.filesDir, file.path), { force: true });
          if (!isUnavailable(error)) throw error;
          this.context.logger.warn(
            `Box skipped ${file.path} and will not serve it either: ${messageOf(error)}`,
          );
          return;
        }
        this.result.fetchedAfterSkip++;
        this.result.skippedFiles = Math.max(0, this.result.skippedFiles - 1);
      },
      { signal: this.signal },
    );
  }

  /**
   * A file whose bytes do not match the listing's SHA-1 changed on Box during the pull (or came corrupted): fetch
   * it once more with its current SHA-1. If that does not match either, it is left out and reported, never placed.
   */
  private async recheckMismatches(): Promise<void> {
    const suspects = this.mismatched.splice(0);
    for (const file of suspects) {
      throwIfAborted(this.signal);
      this.context.logger.warn(`${file.path} does not match Box's SHA-1; fetching it again.`);
      const current = await this.context.client.getFile(file.id, {
        fields: ['sha1', 'size'],
        signal: this.signal,
      });
      const target = resolveInside(this.filesDir, file.path);
      this.summary.requests += 3;
      await downloadFileContent({
        client: this.context.client,
        id: file.id,
        target,
        logger: this.context.logger,
        signal: this.signal,
        onBytes: (bytes) => this.addBytes(bytes),
      });
      const actual = await sha1OfFile(target, this.signal);
      if (current.sha1 !== undefined && sameSha1(current.sha1, actual)) {
        this.placed.set(file.path, { ...this.placed.get(file.path)!, size: current.size ?? file.size });
        continue;
      }
      this.mismatched.push(file);
      this.placed.delete(file.path);
      await fs.rm(target, { force: true });
    }
  }

  /** A part's own progress, added into the pull's: bytes as they come, files as the part extracts them. */
  private partProgress(number: number): AttemptProgress {
    let bytes = 0;
    return {
      get bytesDownloaded() {
        return bytes;
      },
      enter: () => undefined,
      totalFiles: () => undefined,
      // The pull's reporter re-sends its counters (rate and stall over all parts).
      tick: () => this.context.progress.tick(),
      downloaded: (n) => {
        bytes += n;
        this.addBytes(n);
      },
      filesDone: (files) => {
        this.filesDoneByTask.set(number, files);
        this.reportFiles();
      },
      // The part's archive was discarded (attempt.ts asks for a fresh one, or the part failed): take its share back.
      restartDownload: () => {
        this.addBytes(-bytes);
        bytes = 0;
        this.filesDoneByTask.set(number, 0);
        this.reportFiles();
      },
    };
  }

  private addBytes(bytes: number): void {
    this.result.bytesDownloaded += bytes;
    this.context.progress.downloaded(bytes);
  }

  private reportFiles(): void {
    // Files taken in (-1) plus those the running parts have extracted so far, which are not taken in yet.
    let total = 0;
    for (const files of this.filesDoneByTask.values()) total += files;
    if (total > 0) this.firstFileIn?.();
    this.context.progress.filesDone(Math.min(total, this.context.listing.files.size));
  }
}

/** Every folder to create, empty ones included (the archives hold no entries for them), parents first. */
function directoriesOf(root: ListedFolder): string[] {
  const out: string[] = [];
  const visit = (folder: ListedFolder): void => {
    for (const child of folder.folders) {
      // A folder emptied by the filters is not made; one empty on Box is.
      if (child.fileCount === 0 && !child.whole) continue;
      out.push(child.path);
      visit(child);
    }
  };
  visit(root);
  return out;
}
