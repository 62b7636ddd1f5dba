// The read-only content API: folders, folder items, files, file content (302 to the download origin), users/me.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isHiddenFrom, isInaccessible, type EmulatorContext } from './context';
import { BoxError, notFound } from './errors';
import { bearerToken, sendEmpty, sendJson } from './http';
import { SERVICE_ACCOUNT } from './options';
import { listFolder, parseListingQuery } from './listing';
import { folderEtag, parseFields, renderItem, renderUser } from './representations';
import { canSee, linkOfRequest } from './sharedLinks';
import { randomToken } from './tokens';
import type { FileInfo, FolderInfo } from './tree';

/** Lifetime of the link behind a file-content 302 (guide `downloads/get-url`: 15 minutes). */
const FILE_LINK_TTL_MS = 15 * 60 * 1000;

export interface RouteArgs {
  ctx: EmulatorContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
}

function checkId(id: string): void {
  // Spec: 405 when the id is "not in a recognized format".
  if (!/^\d+$/.test(id)) throw new BoxError(405, 'method_not_allowed', 'Method Not Allowed');
}

/** What this request may see: nothing hidden from its user, and link-only items only below the link it names. */
function visibleTo(ctx: EmulatorContext, req: IncomingMessage): (relPath: string) => boolean {
  const token = bearerToken(req);
  const link = linkOfRequest(ctx, req);
  return (relPath) => !isHiddenFrom(ctx, token, relPath) && canSee(ctx, link, relPath);
}

async function findFolder(ctx: EmulatorContext, req: IncomingMessage, id: string): Promise<FolderInfo> {
  checkId(id);
  const item = await ctx.tree.resolve(id);
  if (item?.type !== 'folder' || isInaccessible(ctx.faults, item.relPath)) throw notFound();
  if (!visibleTo(ctx, req)(item.relPath)) throw notFound();
  return item;
}

async function findFile(ctx: EmulatorContext, req: IncomingMessage, id: string): Promise<FileInfo> {
  checkId(id);
  const item = await ctx.tree.resolve(id);
  if (item?.type !== 'file' || !visibleTo(ctx, req)(item.relPath)) throw notFound();
  return item;
}

function notModified(req: IncomingMessage, etag: string | null): boolean {
  const header = req.headers['if-none-match'];
  return etag !== null && header !== undefined && header.replace(/^W\/|"/g, '') === etag;
}

export async function getFolder({ ctx, req, res, url, params }: RouteArgs): Promise<void> {
  const folder = await findFolder(ctx, req, params[0]);
  const etag = folderEtag(folder);
  if (notModified(req, etag)) return sendEmpty(res, 304, { etag: etag! });
  const query = parseListingQuery(url.searchParams, 'mini');
  const selection = parseFields(url.searchParams.get('fields'), 'standard');
  const body = await renderItem(ctx, folder, selection);
  if (selection === 'standard' || selection.includes('item_collection')) {
    // Items inside item_collection are always the mini variant, in the offset envelope.
    body.item_collection = await listFolder(
      ctx,
      folder,
      { ...query, fields: 'mini', useMarker: false },
      visibleTo(ctx, req),
    );
  }
  sendJson(res, 200, body, etag ? { etag } : {});
}

export async function getFolderItems({ ctx, req, url, res, params }: RouteArgs): Promise<void> {
  const folder = await findFolder(ctx, req, params[0]);
  const query = parseListingQuery(url.searchParams, 'mini');
  sendJson(res, 200, await listFolder(ctx, folder, query, visibleTo(ctx, req)));
}

export async function getFile({ ctx, req, res, url, params }: RouteArgs): Promise<void> {
  const file = await findFile(ctx, req, params[0]);
  if (isInaccessible(ctx.faults, file.relPath)) throw notFound();
  const etag = ctx.tree.fileEtag(file);
  if (notModified(req, etag)) return sendEmpty(res, 304, { etag });
  sendJson(res, 200, await renderItem(ctx, file, parseFields(url.searchParams.get('fields'), 'standard')), {
    etag,
  });
}

export async function getFileContent({ ctx, req, res, params }: RouteArgs): Promise<void> {
  const file = await findFile(ctx, req, params[0]);
  if (isInaccessible(ctx.faults, file.relPath)) {
    throw new BoxError(
      403,
      'access_denied_insufficient_permissions',
      'Access denied - insufficient permission',
    );
  }
  const notReady = ctx.faults.fileContentNotReady;
  if (notReady && notReady.remaining > 0) {
    notReady.remaining--;
    return sendEmpty(res, 202, { 'retry-after': String(notReady.retryAfterSeconds ?? 1) });
  }
  const link = randomToken();
  ctx.fileLinks.set(link, { relPath: file.relPath, expiresAt: ctx.clock.now() + FILE_LINK_TTL_MS });
  sendEmpty(res, 302, { location: `${ctx.downloadOrigin}/d/1/${link}/download` });
}

export async function getCurrentUser({ ctx, url, req, res }: RouteArgs): Promise<void> {
  const fields = url.searchParams.get('fields');
  const user = ctx.tokens.isServiceAccountToken(bearerToken(req)) ? SERVICE_ACCOUNT : ctx.user;
  sendJson(
    res,
    200,
    renderUser(ctx, fields === null ? undefined : fields.split(',').map((f) => f.trim()), user),
  );
}
