// Shared links: items reachable through `https://app.box.com/s/<hash>` (or a `/v/<vanity>` name), optionally behind a
// password. A link-only item is invisible to the signed-in user (404, left out of listings) unless the request
// carries `BoxApi: shared_link=<url>[&shared_link_password=<pw>]` naming a link to it or to a folder above it.
import type { IncomingMessage } from 'node:http';
import type { EmulatorContext } from './context';
import { BoxError, notFound } from './errors';
import { sendJson } from './http';
import { parseFields, renderItem } from './representations';
import type { RouteArgs } from './apiRoutes';
import type { ItemInfo } from './tree';

export interface SharedLinkConfig {
  /** Relative posix path of the shared file or folder. */
  path: string;
  /** The `/s/<hash>` part of the link. */
  hash: string;
  /** A custom `/v/<name>` that reaches the same item. */
  vanityName?: string;
  password?: string;
  access?: 'open' | 'company' | 'collaborators';
  /** The item is not the user's: only the link reaches it (default true). */
  linkOnly?: boolean;
}

const WEB_ORIGIN = 'https://app.box.com';

export function sharedLinkUrl(link: SharedLinkConfig): string {
  return `${WEB_ORIGIN}/s/${link.hash}`;
}

const within = (root: string, relPath: string) =>
  root === '' || relPath === root || relPath.startsWith(`${root}/`);

/** The link a `shared_link=` URL names: `/s/<hash>` or `/v/<name>` on any box.com host. */
function findLink(ctx: EmulatorContext, url: string): SharedLinkConfig | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase();
  if (host !== 'box.com' && !host.endsWith('.box.com')) return undefined;
  const match = /^\/([sv])\/([^/]+)\/?$/.exec(parsed.pathname);
  if (!match) return undefined;
  return ctx.sharedLinks.find((link) =>
    match[1] === 's' ? link.hash === match[2] : link.vanityName === match[2],
  );
}

/**
 * The link the request's `BoxApi` header names, once its password checks out; undefined without the header.
 * Box answers 403 `incorrect_shared_item_password` for a missing or wrong password, 404 for an unknown link.
 */
export function linkOfRequest(ctx: EmulatorContext, req: IncomingMessage): SharedLinkConfig | undefined {
  const header = req.headers['boxapi'];
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const params = new URLSearchParams(header.trim());
  const url = params.get('shared_link');
  const link = url ? findLink(ctx, url) : undefined;
  if (!link) throw notFound();
  if (link.password !== undefined && params.get('shared_link_password') !== link.password) {
    throw new BoxError(403, 'incorrect_shared_item_password', 'Incorrect Shared Item Password');
  }
  return link;
}

/** True when the item is reachable only through a link (the user's own view leaves it out). */
export function isLinkOnly(ctx: EmulatorContext, relPath: string): boolean {
  return ctx.sharedLinks.some((link) => link.linkOnly !== false && within(link.path, relPath));
}

/** Whether this request may see the item: the user's own, or below the link its header names. */
export function canSee(ctx: EmulatorContext, link: SharedLinkConfig | undefined, relPath: string): boolean {
  if (!isLinkOnly(ctx, relPath)) return true;
  return link !== undefined && within(link.path, relPath);
}

/** The `shared_link` field: null unless a link points at exactly this item. */
export function renderSharedLink(ctx: EmulatorContext, item: ItemInfo): Record<string, unknown> | null {
  const link = ctx.sharedLinks.find((candidate) => candidate.path === item.relPath);
  if (!link) return null;
  const access = link.access ?? 'open';
  return {
    url: sharedLinkUrl(link),
    download_url: item.type === 'file' ? `${WEB_ORIGIN}/shared/static/${link.hash}` : null,
    vanity_url: link.vanityName ? `${WEB_ORIGIN}/v/${link.vanityName}` : null,
    vanity_name: link.vanityName ?? null,
    access,
    effective_access: access,
    effective_permission: 'can_download',
    unshared_at: null,
    is_password_enabled: link.password !== undefined,
    permissions: { can_download: true, can_preview: true, can_edit: false },
    download_count: 0,
    preview_count: 0,
    // The spec lists `accessed` as required without defining it; the access level is the closest reading.
    accessed: access,
  };
}

/** `GET /2.0/shared_items`: the item the header's link points at, as a full file or folder. */
export async function getSharedItem({ ctx, req, res, url }: RouteArgs): Promise<void> {
  const link = linkOfRequest(ctx, req);
  if (!link) throw new BoxError(400, 'bad_request', 'The BoxApi header with a shared_link is required.');
  const item = await ctx.tree.info(link.path);
  if (!item) throw notFound();
  sendJson(res, 200, await renderItem(ctx, item, parseFields(url.searchParams.get('fields'), 'standard')));
}
