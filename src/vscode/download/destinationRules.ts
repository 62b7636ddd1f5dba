// Where a pull of some Box items lands inside the folder the user picked. No `vscode` here (destination.ts asks
// the user), so the rules are unit-tested directly.
import * as path from 'node:path';
import { isRejected, mapEntryName } from '../../core/naming/safeNames';
import type { SharedLinkCredentials } from '../../core/box/client';
import type { DestinationLayout } from '../config';

/** What the user chose to download. */
export interface DownloadItem {
  type: 'folder' | 'file';
  id: string;
  name: string;
  /** Reached through this shared link: every request for it carries the link (and its password). */
  sharedLink?: SharedLinkCredentials;
}

/**
 * With the `subfolder` layout a single Box folder goes to `<picked>/<Box folder name>`; several items, a file, or
 * the `direct` layout go into the picked folder itself, each under its own name.
 */
export function targetPathFor(
  items: readonly DownloadItem[],
  picked: string,
  layout: DestinationLayout,
): string {
  if (layout === 'subfolder' && items.length === 1 && items[0].type === 'folder') {
    return path.join(picked, localFolderName(items[0]));
  }
  return picked;
}

/** The Box folder name as a local folder name (Windows rules applied on Windows, over-long names shortened). */
export function localFolderName(item: DownloadItem): string {
  const mapped = mapEntryName(item.name);
  if (isRejected(mapped) || mapped.relativePath.includes('/')) return `Box folder ${item.id}`;
  return mapped.relativePath;
}
