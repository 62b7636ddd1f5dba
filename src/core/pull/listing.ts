/**
 * Lists a folder's whole tree for a planned pull: folder by folder (Box has no recursive listing), a few folders at
 * once, under a rate limit, pruning excluded folders without listing inside them. Every name Box lists goes through
 * the same safe-name mapping as archive entry names (naming/extractionPlan.ts), so a hostile listing is treated
 * like a hostile archive. Endless listings are stopped by BoxClient.iterateFolderPages.
 */
import type { BoxClient } from '../box/client';
import type { BoxItem } from '../box/types';
import { EntryPlanner, type RenamedEntry } from '../naming/extractionPlan';
import { foldPath, numbered } from '../naming/treePlanner';
import { ArchiveError, BoxApiError } from '../errors';
import type { PathFilter } from './filters';
import { rateLimited } from './rateLimit';

export interface ListedFile {
  type: 'file';
  id: string;
  /** Box's own name. */
  name: string;
  /** Box's names from the pulled folder down, joined with `/`: how archives name the file. */
  rawPath: string;
  /** Where the file goes under the destination (safe-name mapped). */
  path: string;
  size: number;
  sha1?: string;
  /** Box's last change of the content (ms), shown beside the local file's when asking about a conflict. */
  modifiedMs?: number;
}

export interface ListedFolder {
  type: 'folder';
  id: string;
  name: string;
  rawPath: string;
  path: string;
  files: ListedFile[];
  folders: ListedFolder[];
  /** Files and bytes pulled from this folder and below (after filters). */
  fileCount: number;
  bytes: number;
  /** Nothing below was left out by a filter: the folder can go into a ZIP whole. */
  whole: boolean;
}

export interface Listing {
  root: ListedFolder;
  /** Every file that is pulled, by raw path. */
  files: Map<string, ListedFile>;
  /** Folders listed, and list requests made. */
  folders: number;
  requests: number;
  excluded: { files: number; bytes: number; folders: number };
  renamed: RenamedEntry[];
  /** Selected items that shared a name (`a/report.pdf`, `b/report.pdf`), and the name each later one was given. */
  nameConflicts: { originalName: string; downloadName: string }[];
  /** Off Windows: names kept as Box has them that Windows could not store. */
  nonPortable: RenamedEntry[];
}

/** What a walk starts from: a folder, or (with `items`) the root or several items standing for its listing. */
export interface WalkRoot {
  id: string;
  name: string;
  items?: readonly BoxItem[];
}

export interface WalkOptions {
  filter: PathFilter;
  /** Folders listed at once. Default 8. */
  concurrency?: number;
  /** API calls a minute at most. Default 900. */
  callsPerMinute?: number;
  signal?: AbortSignal;
  onFolders?(listed: number): void;
}

const LIST_FIELDS = ['type', 'id', 'name', 'size', 'sha1', 'item_status', 'content_modified_at'];
/**
 * Bounds on the tree as a whole (each folder's pages are bounded by BoxClient.iterateFolderPages): a folder listed
 * twice is a cycle, and no real tree is deeper, or has more folders, than these.
 */
const MAX_DEPTH = 512;
const MAX_FOLDERS = 500_000;

/**
 * `root.items`, when given, stand for the root's listing (a pull of the root folder or of several items): the root
 * is then a folder no ZIP may name whole (Box refuses to zip folder 0, and several items are no folder at all).
 */
export async function walkTree(client: BoxClient, root: WalkRoot, options: WalkOptions): Promise<Listing> {
  const { filter, signal } = options;
  // Pages wait in the client's rate window, with the pull's other API calls (rateLimit.ts).
  rateLimited(client, options.callsPerMinute);
  const planner = new EntryPlanner({});
  const listing: Listing = {
    root: folderNode(root.id, root.name, '', ''),
    files: new Map(),
    folders: 0,
    requests: 0,
    excluded: { files: 0, bytes: 0, folders: 0 },
    renamed: [],
    nameConflicts: [],
    nonPortable: [],
  };
  const rootNames = root.items ? uniqueNames(root.items) : undefined;
  const beforePage = async (): Promise<void> => {
    listing.requests++;
  };
  const pending: ListedFolder[] = [listing.root];
  const seen = new Set([root.id]);
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const pump = (): void => {
      if (failed) return;
      if (pending.length === 0 && active === 0) return resolve();
      while (active < (options.concurrency ?? 8) && pending.length > 0) {
        const folder = pending.shift()!;
        active++;
        listFolder(folder).then(
          () => {
            active--;
            listing.folders++;
            options.onFolders?.(listing.folders);
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    const listFolder = async (folder: ListedFolder): Promise<void> => {
      const pages =
        folder === listing.root && root.items
          ? [root.items]
          : client.iterateFolderPages(folder.id, { fields: LIST_FIELDS, signal, beforePage });
      for await (const page of pages)
        for (const item of page) {
          if (item.item_status !== undefined && item.item_status !== 'active') continue;
          if (item.type !== 'file' && item.type !== 'folder') continue; // web links have no bytes to pull
          const name = rootNames?.get(item) ?? checkedName(item);
          if (name !== item.name) listing.nameConflicts.push({ originalName: item.name, downloadName: name });
          const rawPath = folder.rawPath === '' ? name : `${folder.rawPath}/${name}`;
          if (item.type === 'folder') {
            if (filter.excludesFolder(rawPath)) {
              listing.excluded.folders++;
              listing.excluded.bytes += item.size ?? 0;
              folder.whole = false;
              continue;
            }
            if (seen.has(item.id) || seen.size >= MAX_FOLDERS || rawPath.split('/').length > MAX_DEPTH) {
              const why = seen.has(item.id)
                ? `folder ${item.id} came twice (a cycle)`
                : `more than ${MAX_FOLDERS} folders, or nested deeper than ${MAX_DEPTH}`;
              throw endless(folder.id, why);
            }
            seen.add(item.id);
            const child = folderNode(item.id, item.name, rawPath, planner.add(rawPath, true)!);
            folder.folders.push(child);
            pending.push(child);
          } else if (!filter.includesFile(rawPath)) {
            listing.excluded.files++;
            listing.excluded.bytes += item.size ?? 0;
            folder.whole = false;
          } else {
            const file: ListedFile = {
              type: 'file',
              id: item.id,
              name: item.name,
              rawPath,
              path: planner.add(rawPath, false)!,
              size: item.size ?? 0,
              sha1: item.sha1 || undefined,
              modifiedMs: Date.parse(item.content_modified_at ?? '') || undefined,
            };
            folder.files.push(file);
            listing.files.set(rawPath, file);
          }
        }
    };
    pump();
  });
  total(listing.root);
  if (root.items) listing.root.whole = false;
  const { renamed, nonPortable } = planner.summary();
  Object.assign(listing, { renamed, nonPortable });
  return listing;
}

/**
 * Several selected items may share a name (two folders `data`, `a/report.pdf` and `b/report.pdf`), but each needs a
 * place of its own. As deterministic as the archive's duplicates (treePlanner.ts): the first in selection order
 * keeps its name, each later one (compared case-insensitively) becomes `report (2).pdf`, `data (2)`, skipping any
 * name a selected item already has. Box's own renaming (`name_conflicts`, random names) only finds items in archives.
 */
function uniqueNames(items: readonly BoxItem[]): Map<BoxItem, string> {
  const names = new Map(items.map((item) => [item, checkedName(item)]));
  const taken = new Set([...names.values()].map(foldPath));
  const kept = new Set<string>();
  for (const [item, name] of names) {
    const key = foldPath(name);
    if (!kept.has(key)) {
      kept.add(key);
      continue;
    }
    let counter = 2;
    while (taken.has(foldPath(numbered(name, counter)))) counter++;
    const unique = numbered(name, counter);
    taken.add(foldPath(unique));
    names.set(item, unique);
  }
  return names;
}

/** The same error BoxClient gives a folder whose pages never end. */
function endless(id: string, problem: string): BoxApiError {
  return new BoxApiError({
    status: 200,
    method: 'GET',
    url: `/2.0/folders/${encodeURIComponent(id)}/items`,
    code: 'endless_listing',
    boxMessage: `the tree never ends: ${problem}`,
  });
}

function folderNode(id: string, name: string, rawPath: string, path: string): ListedFolder {
  return {
    type: 'folder',
    id,
    name,
    rawPath,
    path,
    files: [],
    folders: [],
    fileCount: 0,
    bytes: 0,
    whole: true,
  };
}

/** A Box name is one path segment: a separator in it can only come from a hostile server. */
function checkedName(item: BoxItem): string {
  const name = typeof item.name === 'string' ? item.name : '';
  if (name === '' || /[/\\]/.test(name)) {
    throw new ArchiveError('unsafe_path', `Box listed an unsafe name: ${JSON.stringify(name)}`, {
      entryName: name,
    });
  }
  return name;
}

function total(folder: ListedFolder): void {
  folder.fileCount = folder.files.length;
  folder.bytes = folder.files.reduce((sum, file) => sum + file.size, 0);
  for (const child of folder.folders) {
    total(child);
    folder.fileCount += child.fileCount;
    folder.bytes += child.bytes;
    if (!child.whole) folder.whole = false;
  }
}
