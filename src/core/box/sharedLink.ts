// Reaching an item through a shared link: bind a client to the link (every API request then carries the `BoxApi`
// header) and ask `GET /shared_items` what the link points at. The parsing of links lives in ids.ts.
import type { BoxClient, SharedLinkCredentials } from './client';

export interface SharedItem {
  type: 'folder' | 'file';
  id: string;
  name: string;
  size?: number;
  /** The client to use for everything below the item: it sends the link (and its password) on every request. */
  client: BoxClient;
}

const FIELDS = ['type', 'id', 'name', 'size'];

/**
 * Resolves `link` with `client`'s sign-in. A missing or wrong password fails with Box's 403
 * `incorrect_shared_item_password` (see isSharedLinkPasswordError); an unknown link with 404.
 */
export async function resolveSharedLink(
  client: BoxClient,
  link: SharedLinkCredentials,
  signal?: AbortSignal,
): Promise<SharedItem> {
  const bound = client.withSharedLink(link);
  const item = await bound.getSharedItem({ fields: FIELDS, signal });
  const type = item.type === 'file' ? 'file' : 'folder';
  return { type, id: item.id, name: item.name, size: item.size ?? undefined, client: bound };
}

/** True for Box's answer to a missing or wrong shared-link password (by name and code, across bundles). */
export function isSharedLinkPasswordError(error: unknown): boolean {
  const named = error as { name?: unknown; code?: unknown } | undefined;
  return named?.name === 'BoxApiError' && named.code === 'incorrect_shared_item_password';
}
