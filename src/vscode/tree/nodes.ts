// One class per kind of row in the Box tree. Nodes are kept between refreshes of a folder (the tree view finds
// elements by identity), and each knows its parent so reveal and "download the selection" can walk upwards.
import * as vscode from 'vscode';
import type { BoxFile, BoxFolder, BoxItem, BoxWebLink } from '../../core/box/types';
import { Commands, TreeItemKinds } from '../constants';
import { itemDescription, itemTooltip } from './format';

export const ROOT_FOLDER_ID = '0';

export class FolderNode {
  readonly kind = 'folder';
  constructor(
    readonly item: Pick<BoxFolder, 'id' | 'name'> & Partial<BoxFolder>,
    readonly parent: FolderNode | undefined,
  ) {}

  get isRoot(): boolean {
    return this.item.id === ROOT_FOLDER_ID;
  }

  getTreeItem(): vscode.TreeItem {
    const treeItem = new vscode.TreeItem(this.item.name, vscode.TreeItemCollapsibleState.Collapsed);
    treeItem.id = `folder:${this.item.id}`;
    treeItem.contextValue = TreeItemKinds.folder;
    treeItem.iconPath = vscode.ThemeIcon.Folder;
    treeItem.resourceUri = iconUri(this.item.name);
    treeItem.tooltip = itemTooltip(this.item as BoxItem);
    return treeItem;
  }
}

export class FileNode {
  readonly kind = 'file';
  constructor(
    readonly item: BoxFile,
    readonly parent: FolderNode | undefined,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const treeItem = new vscode.TreeItem(this.item.name, vscode.TreeItemCollapsibleState.None);
    treeItem.id = `file:${this.item.id}`;
    treeItem.contextValue = TreeItemKinds.file;
    treeItem.iconPath = vscode.ThemeIcon.File;
    treeItem.resourceUri = iconUri(this.item.name);
    treeItem.description = itemDescription(this.item);
    treeItem.tooltip = itemTooltip(this.item);
    // A click opens the file read-only; Open in Box stays in the context menu.
    treeItem.command = { command: Commands.openFile, title: vscode.l10n.t('Open'), arguments: [this] };
    return treeItem;
  }
}

export class WebLinkNode {
  readonly kind = 'webLink';
  constructor(
    readonly item: BoxWebLink,
    readonly parent: FolderNode | undefined,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const treeItem = new vscode.TreeItem(this.item.name, vscode.TreeItemCollapsibleState.None);
    treeItem.id = `web_link:${this.item.id}`;
    treeItem.contextValue = TreeItemKinds.webLink;
    treeItem.iconPath = new vscode.ThemeIcon('link');
    treeItem.description = this.item.url;
    treeItem.tooltip = itemTooltip(this.item);
    return treeItem;
  }
}

/** "Load 200 more · 1,000 of 1,225" at the end of a folder whose listing has another page. */
export class LoadMoreNode {
  readonly kind = 'loadMore';
  /** Item rows shown so far, the folder's size when Box told it (total_count), and the page size. */
  count: { shown: number; total?: number; pageSize: number } = { shown: 0, pageSize: 0 };

  constructor(readonly parent: FolderNode) {}

  getTreeItem(): vscode.TreeItem {
    const { shown, total, pageSize } = this.count;
    const number = new Intl.NumberFormat(vscode.env.language);
    const label =
      total !== undefined && total > shown
        ? vscode.l10n.t(
            'Load {0} more · {1} of {2}',
            number.format(Math.min(pageSize, total - shown)),
            number.format(shown),
            number.format(total),
          )
        : vscode.l10n.t('Load more…');
    const treeItem = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    treeItem.id = `loadMore:${this.parent.item.id}`;
    treeItem.contextValue = TreeItemKinds.loadMore;
    treeItem.iconPath = new vscode.ThemeIcon('ellipsis');
    treeItem.command = { command: Commands.loadMore, title: vscode.l10n.t('Load More'), arguments: [this] };
    return treeItem;
  }
}

/** A listing that failed: the message, and a click (or the inline action) opens the log. */
export class ErrorNode {
  readonly kind = 'error';
  constructor(
    readonly parent: FolderNode,
    readonly message: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const treeItem = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    treeItem.id = `error:${this.parent.item.id}`;
    treeItem.contextValue = TreeItemKinds.error;
    treeItem.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    treeItem.tooltip = this.message;
    // Retry is what one wants after a timeout or a dropped connection; Show Log stays as an inline action.
    treeItem.description = vscode.l10n.t('Retry');
    treeItem.command = {
      command: Commands.refresh,
      title: vscode.l10n.t('Retry'),
      arguments: [this.parent],
    };
    return treeItem;
  }
}

/** A quiet line such as "This folder is empty". */
export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly parent: FolderNode,
    readonly message: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const treeItem = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    treeItem.id = `message:${this.parent.item.id}`;
    treeItem.contextValue = TreeItemKinds.message;
    return treeItem;
  }
}

export type ItemNode = FolderNode | FileNode | WebLinkNode;
export type BoxTreeNode = ItemNode | LoadMoreNode | ErrorNode | MessageNode;

export function nodeForItem(item: BoxItem, parent: FolderNode): ItemNode {
  switch (item.type) {
    case 'folder':
      return new FolderNode(item, parent);
    case 'file':
      return new FileNode(item, parent);
    default:
      return new WebLinkNode(item as BoxWebLink, parent);
  }
}

/** A URI that only carries the name, so file icon themes pick the icon for `report.pdf` or `src/`. */
function iconUri(name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'box', path: `/${name.replace(/\//g, '_')}` });
}
