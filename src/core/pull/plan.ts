import type { BoxClient } from '../box/client';
import type { Logger } from '../logger';
import { PullError } from '../errors';
import { toPullError } from './failure';

export interface PullItem {
  type: 'folder' | 'file';
  id: string;
}

/** What one pull downloads, decided before the first ZIP is requested. */
export interface Plan {
  zipItems: PullItem[];
  /** Set when one folder is pulled: the archive's top-level folder of that name is stripped. */
  stripFolderName?: string;
  /** Box names the archive after it; also what the user sees. */
  displayName: string;
  /** Uncompressed bytes, when Box says (folder `size`): the progress estimate and the free-space check. */
  totalBytesEstimate?: number;
}

const ITEM_FIELDS = ['type', 'id', 'name', 'size'];

/** Names what to zip. Box refuses to zip the root folder, so a root pull zips its children instead. */
export async function planPull(
  client: BoxClient,
  items: readonly PullItem[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<Plan> {
  if (items.length === 0) throw new PullError('not_found', 'Nothing to download: no Box items were given.');
  try {
    if (items.length === 1 && items[0].type === 'folder' && items[0].id === '0') {
      const children: PullItem[] = [];
      let bytes = 0;
      for await (const item of client.iterateFolderItems('0', { fields: ITEM_FIELDS, signal })) {
        if (item.type === 'folder' || item.type === 'file') children.push({ type: item.type, id: item.id });
        bytes += (item as { size?: number }).size ?? 0;
      }
      if (children.length === 0)
        throw new PullError('not_found', 'Your Box account has nothing to download.');
      return { zipItems: children, displayName: 'All Files', totalBytesEstimate: bytes || undefined };
    }
    if (items.length === 1 && items[0].type === 'folder') {
      const folder = await client.getFolder(items[0].id, { fields: ITEM_FIELDS, signal });
      return {
        zipItems: [...items],
        stripFolderName: folder.name,
        displayName: folder.name,
        totalBytesEstimate: folder.size ?? undefined,
      };
    }
    let bytes = 0;
    const names: string[] = [];
    for (const item of items) {
      const details =
        item.type === 'folder'
          ? await client.getFolder(item.id, { fields: ITEM_FIELDS, signal })
          : await client.getFile(item.id, { fields: ITEM_FIELDS, signal });
      bytes += details.size ?? 0;
      names.push(details.name);
    }
    logger.debug(`Pulling ${items.length} items`);
    return { zipItems: [...items], displayName: names.join(', '), totalBytesEstimate: bytes || undefined };
  } catch (error) {
    throw toPullError(error);
  }
}
