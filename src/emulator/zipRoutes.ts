// The ZIP flow: POST /2.0/zip_downloads (202), the single-use download URL on the download origin, and the status
// URL on the API origin.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';
import type { RouteArgs } from './apiRoutes';
import { isInaccessible, type EmulatorContext } from './context';
import { BoxError, notFound } from './errors';
import { isoSeconds, readBody, sendJson } from './http';
import type { StatusHang } from './options';
import { pump } from './pump';
import { isLinkOnly } from './sharedLinks';
import { planArchive, type ArchivePlan } from './zipPlan';
import { createArchiveStream, servedArchiveStream } from './zipStream';
import type { ZipRequestItem } from './zipStore';

const DEFAULT_ARCHIVE_NAME = 'download';

const badRequest = (message: string) => new BoxError(400, 'bad_request', message);

interface RequestedItem {
  type: 'file' | 'folder';
  id: string;
}

function parseRequest(text: string): { items: RequestedItem[]; fileName?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('Could not parse JSON body.');
  }
  if (typeof body !== 'object' || body === null) throw badRequest('The request body must be a JSON object.');
  const { items, download_file_name: fileName } = body as Record<string, unknown>;
  if (!Array.isArray(items) || items.length === 0) throw badRequest('items must be a non-empty array.');
  if (fileName !== undefined && (typeof fileName !== 'string' || fileName.trim() === '')) {
    throw badRequest('download_file_name must be a non-empty string.');
  }
  const parsed = items.map((item: unknown): RequestedItem => {
    const { type, id } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (type !== 'file' && type !== 'folder') throw badRequest('Each item needs type "file" or "folder".');
    if (typeof id !== 'string' || !/^\d+$/.test(id)) throw badRequest('Each item needs a string id.');
    if (type === 'folder' && id === '0')
      throw badRequest('The root folder (id 0) cannot be downloaded as a zip.');
    return { type, id };
  });
  // The same item twice is one item.
  const unique = new Map(parsed.map((item) => [`${item.type}:${item.id}`, item]));
  return { items: [...unique.values()], fileName: fileName as string | undefined };
}

/** Box renames every top-level item that shares a name: `3aa6a7.pdf` for files, `3d366a_employees` for folders. */
function resolveNameConflicts(items: ZipRequestItem[], forced?: string): Record<string, string>[][] {
  const byName = new Map<string, ZipRequestItem[]>();
  for (const item of items) {
    const key = item.downloadName.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), item]);
  }
  const conflicts: Record<string, string>[][] = [];
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    for (const item of group) {
      const stem = randomBytes(3).toString('hex');
      const dot = item.downloadName.lastIndexOf('.');
      item.downloadName =
        forced !== undefined
          ? forced
          : item.type === 'folder'
            ? `${stem}_${item.downloadName}`
            : `${stem}${dot > 0 ? item.downloadName.slice(dot) : ''}`;
    }
    // Reported in pairs (the spec says the list is always a multiple of 2); 3+ clashes chain consecutive pairs.
    const describe = (item: ZipRequestItem) => ({
      id: item.id,
      type: item.type,
      original_name: item.relPath.slice(item.relPath.lastIndexOf('/') + 1),
      download_name: item.downloadName,
    });
    for (let i = 0; i + 1 < group.length; i++) conflicts.push([describe(group[i]), describe(group[i + 1])]);
  }
  return conflicts;
}

async function resolveItems(ctx: EmulatorContext, requested: RequestedItem[]): Promise<ZipRequestItem[]> {
  const resolved: ZipRequestItem[] = [];
  for (const { type, id } of requested) {
    const info = await ctx.tree.resolve(id);
    if (!info || info.type !== type) throw notFound();
    if (ctx.faults.zipRefusesLinkOnly && isLinkOnly(ctx, info.relPath)) throw notFound();
    if (isInaccessible(ctx.faults, info.relPath)) {
      throw new BoxError(
        403,
        'access_denied_insufficient_permissions',
        'Access denied - insufficient permission',
      );
    }
    resolved.push({ type, id, relPath: info.relPath, downloadName: info.name });
  }
  return resolved;
}

export async function createZip({ ctx, req, res }: RouteArgs): Promise<void> {
  const request = parseRequest(await readBody(req));
  const items = await resolveItems(ctx, request.items);
  const plan = await planArchive(ctx, items);
  const refuse = ctx.faults.refuseEveryZip;
  if (plan.totalFiles > ctx.faults.maxZipFiles || refuse === 'files') {
    throw new BoxError(
      400,
      'zip_download_file_count_exceeded_limit',
      `The number of files exceeds the limit of ${ctx.faults.maxZipFiles}. Please split the request into multiple requests.`,
    );
  }
  if (plan.totalBytes > ctx.faults.maxZipBytes || refuse === 'bytes') {
    throw new BoxError(
      400,
      'zip_download_pre_compressed_bytes_exceeded_limit',
      'The total size of the items exceeds the download limit.',
    );
  }
  const nameConflicts = resolveNameConflicts(items, ctx.faults.conflictDownloadName);
  const job = ctx.zips.create(
    items,
    `${request.fileName ?? DEFAULT_ARCHIVE_NAME}.zip`,
    ctx.faults.zipUrlTtlSeconds,
  );
  ctx.stats.zipCreates++;
  // The id is path-safe as is (base64url plus `=`), and Box's URLs carry it unencoded.
  const path = `/2.0/zip_downloads/${job.id}`;
  const downloadOrigin = ctx.faults.downloadUrlScheme
    ? ctx.downloadOrigin.replace(/^http:/, `${ctx.faults.downloadUrlScheme}:`)
    : ctx.downloadOrigin;
  sendJson(res, 202, {
    download_url: `${downloadOrigin}${path}/content`,
    status_url: `${ctx.apiOrigin}${path}/status`,
    expires_at: isoSeconds(job.expiresAt),
    name_conflicts: nameConflicts,
  });
}

/** A status endpoint that hangs: the request is held open until the client gives up or the emulator closes. */
function hang(ctx: EmulatorContext, res: ServerResponse, mode: StatusHang): Promise<void> {
  ctx.stats.statusHangs++;
  if (mode === 'headers') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
  }
  return new Promise((resolve) => res.once('close', resolve));
}

export function getZipStatus({ ctx, res, params }: RouteArgs): void | Promise<void> {
  const job = ctx.zips.statusOf(params[0]);
  if (!job) throw notFound();
  ctx.stats.statusPolls++;
  if (ctx.faults.statusHang) return hang(ctx, res, ctx.faults.statusHang);
  const state = ctx.zips.pollState(job);
  sendJson(res, 200, {
    total_file_count: job.totalFiles,
    downloaded_file_count: job.downloadedFiles,
    skipped_file_count: job.skippedFiles,
    skipped_folder_count: job.skippedFolders,
    state,
  });
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment;filename="${ascii}";filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Decides once per download whether `cutAfterBytes` applies, consuming one `cutDownloads`. */
function takeCut(ctx: EmulatorContext): number | undefined {
  const { cutAfterBytes, cutDownloads } = ctx.faults;
  if (cutAfterBytes === undefined || cutAfterBytes < 0) return undefined;
  if (cutDownloads === undefined) return cutAfterBytes;
  if (cutDownloads <= 0) return undefined;
  ctx.faults.cutDownloads = cutDownloads - 1;
  return cutAfterBytes;
}

/** The `silentlyMissing` knob: files absent from this stream although the status counts them as sent. */
function dropSilently(ctx: EmulatorContext, plan: ArchivePlan): void {
  const knob = ctx.faults.silentlyMissing;
  if (!knob || knob.remaining <= 0) return;
  const root = ctx.tree.absolute('');
  const missing = (entry: ArchivePlan['entries'][number]) =>
    entry.kind === 'file' &&
    knob.paths.includes(path.relative(root, entry.absolutePath).split(path.sep).join('/'));
  if (!plan.entries.some(missing)) return;
  knob.remaining--;
  plan.entries = plan.entries.filter((entry) => !missing(entry));
}

export async function getZipContent({ ctx, res, params }: RouteArgs): Promise<void> {
  const job = ctx.zips.startable(params[0]);
  if (!job) throw notFound();
  const refusals = ctx.faults.concurrentDownloadRefusals ?? 0;
  if (refusals > 0) ctx.faults.concurrentDownloadRefusals = refusals - 1;
  if (refusals > 0 || ctx.zips.activeDownloads >= ctx.faults.maxConcurrentDownloads) {
    throw new BoxError(
      429,
      'user_too_many_concurrent_downloads',
      'Too many concurrent downloads for this user.',
    );
  }
  // Single use from here on: a second GET is a 404 even while this one streams.
  job.startedAt = ctx.clock.now();
  ctx.zips.activeDownloads++;
  ctx.stats.downloadsStarted++;
  const cutAfterBytes = takeCut(ctx);
  let plan;
  try {
    plan = await planArchive(ctx, job.items);
  } catch (error) {
    ctx.zips.activeDownloads--;
    job.endedState = 'failed';
    throw error;
  }
  dropSilently(ctx, plan);
  // Served bytes are whatever the test made: the status claims no files, so no count contradicts the archive.
  job.totalFiles = ctx.faults.servedArchive ? 0 : plan.totalFiles;
  job.skippedFiles = ctx.faults.servedArchive ? 0 : plan.skippedFiles;
  job.skippedFolders = plan.skippedFolders;

  const archive = ctx.faults.servedArchive
    ? servedArchiveStream(ctx.faults.servedArchive)
    : createArchiveStream(plan.entries, ctx.faults, ctx.clock, () => job.downloadedFiles++);
  const gzip = ctx.faults.gzipDownloads === true;
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-disposition': contentDisposition(job.fileName),
    'cache-control': 'no-cache, no-store',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  pump(gzip ? archive.output.pipe(createGzip()) : archive.output, res, {
    faults: ctx.faults,
    cutAfterBytes,
    onFrozen: () => (ctx.stats.downloadsFrozen = (ctx.stats.downloadsFrozen ?? 0) + 1),
    onEnd(outcome) {
      ctx.zips.activeDownloads--;
      job.lagPolls = ctx.faults.statusInProgressPolls;
      job.endedState = outcome === 'completed' ? 'succeeded' : 'failed';
      if (outcome === 'completed') ctx.stats.downloadsCompleted++;
      else archive.abort();
      if (outcome === 'cut') ctx.stats.downloadsCut++;
    },
  });
}
