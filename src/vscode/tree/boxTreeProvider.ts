// The Box tree: lazy (a folder is listed when expanded), paged (a "Load more…" row fetches the next page), with a
// progress bar on the view while Box answers. Listing errors become a row with the message; an auth failure hands
// over to the sign-in welcome view.
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import type { BoxItem } from '../../core/box/types';
import type { Logger } from '../../core/logger';
import { VIEW_ID } from '../constants';
import type { Failures } from '../failures';
import {
  ErrorNode,
  FolderNode,
  LoadMoreNode,
  MessageNode,
  nodeForItem,
  ROOT_FOLDER_ID,
  type BoxTreeNode,
  type ItemNode,
} from './nodes';
import { mergePage } from './paging';
import { describeFailure } from '../../core/failureText';

/**
 * Rows per page. Box allows 1000; 200 keeps the first paint of a big folder quick, and anyone browsing past a few
 * hundred rows is better served by downloading the folder.
 */
export const DEFAULT_TREE_PAGE_SIZE = 200;

/**
 * How long an expand waits for Box before it shows an error row with Retry. The client's own retries and idle
 * timeouts add up to minutes on a frozen connection, with the folder spinning all that time.
 */
export const DEFAULT_LISTING_TIMEOUT_MS = 30_000;

/** Fields the tooltip shows, plus what downloads and icons need. */
export const TREE_ITEM_FIELDS = [
  'type',
  'id',
  'name',
  'size',
  'modified_at',
  'content_modified_at',
  'owned_by',
  'url',
];

interface Listing {
  nodes: ItemNode[];
  nextMarker: string | null;
  loadMore?: LoadMoreNode;
  /** How many items the folder holds, when Box said (for "Load 200 more · 1,000 of 1,225"). */
  total?: number;
}

export interface BoxTreeDependencies {
  client(): Promise<BoxClient>;
  /** False until someone is signed in: the view then shows the welcome content. */
  isSignedIn(): Promise<boolean>;
  failures: Failures;
  logger: Logger;
}

export class BoxTreeProvider implements vscode.TreeDataProvider<BoxTreeNode>, vscode.Disposable {
  private readonly listings = new Map<string, Listing>();
  private readonly changed = new vscode.EventEmitter<BoxTreeNode | undefined>();
  private readonly root = new FolderNode({ id: ROOT_FOLDER_ID, name: vscode.l10n.t('All Files') }, undefined);

  readonly onDidChangeTreeData = this.changed.event;
  pageSize = DEFAULT_TREE_PAGE_SIZE;
  listingTimeoutMs = DEFAULT_LISTING_TIMEOUT_MS;

  constructor(private readonly deps: BoxTreeDependencies) {}

  getTreeItem(node: BoxTreeNode): vscode.TreeItem {
    return node.getTreeItem();
  }

  getParent(node: BoxTreeNode): BoxTreeNode | undefined {
    const parent = node.parent;
    return parent && !parent.isRoot ? parent : undefined;
  }

  async getChildren(node?: BoxTreeNode): Promise<BoxTreeNode[]> {
    if (node && node.kind !== 'folder') return [];
    const folder = node ?? this.root;
    if (!node && !(await this.deps.isSignedIn())) return [];
    let listing = this.listings.get(folder.item.id);
    if (!listing) {
      const deadline = AbortSignal.timeout(this.listingTimeoutMs);
      try {
        listing = await this.withViewProgress(() => this.loadFirstPage(folder, deadline));
      } catch (error) {
        return this.failedChildren(folder, deadline.aborted ? this.timedOut() : error);
      }
      this.listings.set(folder.item.id, listing);
    }
    if (listing.nodes.length === 0 && !listing.nextMarker) {
      return [new MessageNode(folder, vscode.l10n.t('This folder is empty.'))];
    }
    return listing.loadMore ? [...listing.nodes, listing.loadMore] : [...listing.nodes];
  }

  /** Fetches the next page of the folder behind a "Load more…" row and shows it. */
  async loadMore(node: LoadMoreNode): Promise<void> {
    const folder = node.parent;
    const listing = this.listings.get(folder.item.id);
    if (!listing?.nextMarker) return;
    const deadline = AbortSignal.timeout(this.listingTimeoutMs);
    try {
      const page = await this.withViewProgress(async () =>
        (await this.deps.client()).listFolderItems(folder.item.id, {
          marker: listing.nextMarker ?? undefined,
          limit: this.pageSize,
          fields: TREE_ITEM_FIELDS,
          signal: deadline,
        }),
      );
      this.append(listing, folder, page.entries, page.nextMarker);
    } catch (thrown) {
      const error = deadline.aborted ? this.timedOut() : thrown;
      await this.deps.failures.report(
        vscode.l10n.t('Could not load more items: {0}', describeFailure(error, 'folder')),
        error,
        `Could not list more of Box folder ${folder.item.id}`,
      );
      return;
    }
    this.changed.fire(folder.isRoot ? undefined : folder);
  }

  /** "All Files", the folder behind the view's top level. */
  get rootFolder(): FolderNode {
    return this.root;
  }

  /**
   * The row of item `id` in `folder`, loading the folder and then its further pages (as Load more… would) until it
   * shows up; undefined if the folder has no such item (or a page could not be loaded: that was reported).
   */
  async findChild(folder: FolderNode, id: string): Promise<ItemNode | undefined> {
    await this.getChildren(folder.isRoot ? undefined : folder);
    for (;;) {
      const listing = this.listings.get(folder.item.id);
      const found = listing?.nodes.find((node) => node.item.id === id);
      if (found || !listing?.loadMore) return found;
      const before = listing.nodes.length;
      await this.loadMore(listing.loadMore);
      if (listing.nodes.length === before) return undefined; // the page failed, or Box repeated itself
    }
  }

  /** Forgets every listing (all of them, or one folder's) and redraws. */
  refresh(folder?: FolderNode): void {
    if (folder && !folder.isRoot) {
      this.listings.delete(folder.item.id);
      this.changed.fire(folder);
      return;
    }
    this.listings.clear();
    this.changed.fire(undefined);
  }

  private async loadFirstPage(folder: FolderNode, signal: AbortSignal): Promise<Listing> {
    const client = await this.deps.client();
    const page = await client.listFolderItems(folder.item.id, {
      limit: this.pageSize,
      fields: TREE_ITEM_FIELDS,
      signal,
    });
    // Box leaves total_count out of marker-paged listings; the folder's item_collection has it. Asked only when
    // there is a Load more… row to label, and a failure only costs the numbers.
    let total = page.totalCount;
    if (page.nextMarker && total === undefined) {
      total = await client
        .getFolder(folder.item.id, { fields: ['item_collection'] })
        .then((full) => full.item_collection?.total_count)
        .catch(() => undefined);
    }
    const listing: Listing = { nodes: [], nextMarker: null, total };
    this.append(listing, folder, page.entries, page.nextMarker);
    return listing;
  }

  private append(listing: Listing, folder: FolderNode, entries: BoxItem[], nextMarker: string | null): void {
    listing.nodes = mergePage(
      listing.nodes,
      entries.map((item) => nodeForItem(item, folder)),
    );
    listing.nextMarker = nextMarker;
    listing.loadMore = nextMarker ? (listing.loadMore ?? new LoadMoreNode(folder)) : undefined;
    if (listing.loadMore) {
      listing.loadMore.count = { shown: listing.nodes.length, total: listing.total, pageSize: this.pageSize };
    }
  }

  private timedOut(): Error {
    return new Error(
      vscode.l10n.t('Box did not answer within {0} s.', Math.round(this.listingTimeoutMs / 1000)),
    );
  }

  private async failedChildren(folder: FolderNode, error: unknown): Promise<BoxTreeNode[]> {
    if (await this.deps.failures.handledAsSignIn(error)) return [];
    this.deps.logger.error(`Could not list Box folder ${folder.item.id}`, error);
    return [new ErrorNode(folder, describeFailure(error, 'folder'))];
  }

  private withViewProgress<T>(task: () => Promise<T>): Promise<T> {
    return Promise.resolve(vscode.window.withProgress({ location: { viewId: VIEW_ID } }, task));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
