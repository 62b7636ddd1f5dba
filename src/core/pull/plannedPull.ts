/**
 * The planned pull from end to end, beside pull.ts's one-ZIP loop: decide whether it is needed, list the folder,
 * download its parts (planned.ts), place the files once, and word the report.
 */
import { sleep } from '../abort';
import type { BoxClient } from '../box/client';
import { BoxApiError } from '../errors';
import type { Logger } from '../logger';
import { placeRecorded, stateOwnerOf, type KnownFile } from '../state/recordState';
import { createStagingDir } from '../place/staging';
import type { PathFilter } from './filters';
import { learnLimits, NO_LIMITS } from './limits';
import { walkTree, type WalkRoot } from './listing';
import { foldPath } from '../naming/treePlanner';
import { runPlanned, type PlanSummary } from './planned';
import type { Plan } from './plan';
import type { PullProgressReporter } from './progress';
import type { PullReport, PullRequest } from './pull';
import { placingOptionsOf } from './placingOptions';
import { askBeforeListedPull } from '../update/askFirst';

export type { PlanSummary };

const DEFAULT_STREAMS = 3;
const DEFAULT_PARALLEL_FROM_BYTES = 256 * 1024 * 1024;

/**
 * A pull with filters, or one large enough that several streams pay off (one folder, the root or several items), or
 * a selection of items that share a name: the listing names them `report (2).pdf`, where one ZIP would take Box's
 * random names (`3aa6a7.pdf`).
 */
export function wantsPlannedPath(request: PullRequest, plan: Plan, filter: PathFilter): boolean {
  if (filter.active) return true;
  const names = (plan.rootItems ?? []).map((item) => foldPath(String(item.name)));
  if (new Set(names).size < names.length) return true;
  const streams = request.options?.streams ?? DEFAULT_STREAMS;
  const from = request.options?.parallelFromBytes ?? DEFAULT_PARALLEL_FROM_BYTES;
  return streams > 1 && (plan.totalBytesEstimate ?? 0) >= from;
}

export interface PlannedPullContext {
  request: PullRequest;
  plan: Plan;
  filter: PathFilter;
  destination: string;
  progress: PullProgressReporter;
  logger: Logger;
  /** Box's refusal of the one ZIP, when that is why the folder is split. */
  refusal?: unknown;
  started: number;
  cleanedUp: string[];
  /** Every file by `GET /files/{id}/content`, no ZIP: Box refused to zip a shared link's items. */
  byContent?: boolean;
}

/**
 * Box refused to create a ZIP of items this client reaches through a shared link. Whether Box's ZIP API accepts
 * such items is undocumented, so any 403 or 404 to the ZIP request of a link-bound client is taken as that.
 */
export function zipRefusedLinkItems(client: BoxClient, error: unknown): boolean {
  if (!client.sharedLink || !(error instanceof BoxApiError)) return false;
  return (
    error.method === 'POST' &&
    /\/zip_downloads$/.test(error.url) &&
    (error.status === 403 || error.status === 404)
  );
}

/** Where a listing of the pull starts: one folder from itself, the root and several items from what plan.ts learned. */
export function listingRootOf(request: PullRequest, plan: Plan): WalkRoot {
  if (plan.stripFolderName !== undefined) return { id: request.items[0].id, name: plan.stripFolderName };
  return {
    id: request.items.length === 1 ? request.items[0].id : '',
    name: plan.displayName,
    items: plan.rootItems,
  };
}

export async function pullPlanned(
  context: PlannedPullContext,
  onStaging: (dir: string) => void,
): Promise<PullReport> {
  const { request, plan, progress, logger, destination } = context;
  const options = request.options ?? {};
  const streams = Math.max(1, Math.floor(options.streams ?? DEFAULT_STREAMS));
  const listing = await walkTree(request.client, listingRootOf(request, plan), {
    filter: context.filter,
    concurrency: options.listConcurrency,
    callsPerMinute: options.callsPerMinute,
    signal: request.signal,
    onFolders: (folders) => progress.listed(folders),
  });
  progress.listed(listing.folders, true);
  logger.info(`Listed ${listing.folders} folders: ${listing.files.size} files, ${listing.root.bytes} bytes`);
  // Under `ask`, the files already here are judged and asked about before the download (core/update/askFirst.ts).
  const asked =
    request.conflictPolicy === 'ask' ? await askBeforeListedPull(listing, destination, request) : undefined;
  const fetch = asked?.listing ?? listing;
  progress.estimate(fetch.root.bytes);
  const limits = context.refusal
    ? learnLimits(context.refusal, { files: listing.root.fileCount, bytes: listing.root.bytes }, NO_LIMITS)
    : NO_LIMITS;
  const staging = await createStagingDir(destination);
  onStaging(staging);
  progress.startAttempt(1);
  const result = await runPlanned({
    client: request.client,
    listing: fetch,
    limits,
    targetBytes: streams > 1 ? Math.ceil(fetch.root.bytes / streams) : undefined,
    streams,
    staging,
    progress,
    logger,
    signal: request.signal,
    statusPoll: request.statusPoll,
    extractWhileDownloading: request.extractWhileDownloading !== false,
    maxAttempts: Math.max(1, request.maxAttempts ?? 3),
    sleep: request.sleep ?? sleep,
    byContent: context.byContent,
  });
  // The folder's own details (plan.ts) and a one-ZIP request Box refused count too.
  result.plan.requests += context.refusal ? 2 : 1;
  if (context.refusal) result.plan.zipRequests += 1;
  progress.enter('placing');
  const owner = stateOwnerOf(request.items, request.client);
  // A filtered pull is a part of the folder: its state would make an unfiltered update take the rest for new.
  const record = owner && !context.filter.active;
  const known = new Map<string, KnownFile>();
  if (record) for (const file of listing.files.values()) known.set(file.path, file);
  const placed = await placeRecorded(
    result.filesDir,
    result.extracted,
    destination,
    { ...placingOptionsOf(request), replace: asked?.replace },
    record ? { owner, known, carried: asked?.upToDate } : undefined,
    logger,
  );
  progress.enter('done');
  return {
    destination,
    filesWritten: placed.written.length,
    filesOverwritten: placed.overwritten.length,
    filesSkippedByBox: result.skippedFiles,
    fetchedAfterSkip: result.fetchedAfterSkip,
    foldersSkippedByBox: result.skippedFolders,
    skippedByPolicy: [...placed.skippedByPolicy, ...(asked?.kept ?? [])].sort(),
    protectedFiles: placed.protected,
    alreadyUpToDate: [...placed.upToDate, ...(asked?.upToDate ?? []).map((e) => e.path)].sort(),
    blocked: placed.blocked,
    nameConflicts: result.nameConflicts,
    renamed: listing.renamed,
    cleanedUp: context.cleanedUp,
    nonPortable: listing.nonPortable,
    boxState: result.boxState,
    bytesDownloaded: result.bytesDownloaded,
    durationMs: Math.round(performance.now() - context.started),
    attempts: 1,
    plan: result.plan,
    checksumMismatches: result.checksumMismatches,
    reserved: placed.reserved,
  };
}
