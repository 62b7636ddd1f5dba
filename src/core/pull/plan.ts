import type { BoxClient } from '../box/client';
import type { BoxItem } from '../box/types';
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
  /**
   * For a pull of the root or of several items (no `stripFolderName`): the items as Box described them, which a
   * planned pull lists below, as the children of a folder that is never zipped whole.
   */
  rootItems?: BoxItem[];
}

const ITEM_FIELDS = ['type', 'id', 'name', 'size'];
/** What a planned pull needs of a file it may not list again: its SHA-1 is checked. */
const FILE_FIELDS = [...ITEM_FIELDS, 'sha1', 'item_status'];

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
      const rootItems: BoxItem[] = [];
      let bytes = 0;
      for await (const item of client.iterateFolderItems('0', { fields: FILE_FIELDS, signal })) {
        if (item.type === 'folder' || item.type === 'file') {
          children.push({ type: item.type, id: item.id });
          rootItems.push(item);
        }
        bytes += (item as { size?: number }).size ?? 0;
      }
      if (children.length === 0)
        throw new PullError('not_found', 'Your Box account has nothing to download.');
      return {
        zipItems: children,
        displayName: 'All Files',
        totalBytesEstimate: bytes || undefined,
        rootItems,
      };
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
    const rootItems: BoxItem[] = [];
    for (const item of items) {
      const details =
        item.type === 'folder'
          ? await client.getFolder(item.id, { fields: ITEM_FIELDS, signal })
          : await client.getFile(item.id, { fields: FILE_FIELDS, signal });
      bytes += details.size ?? 0;
      // Box's answer may leave out the type it was asked by: the item is what the caller named.
      rootItems.push({ ...details, type: item.type, id: item.id } as BoxItem);
    }
    logger.debug(`Pulling ${items.length} items`);
    return {
      zipItems: [...items],
      displayName: rootItems.map((item) => item.name).join(', '),
      totalBytesEstimate: bytes || undefined,
      rootItems,
    };
  } catch (error) {
    throw toPullError(error);
  }
}
