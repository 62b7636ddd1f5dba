// "Find by Name…": every item of a folder (all its pages, not only the rows the tree has loaded) in a quick pick
// that filters as the user types; the chosen one is revealed and selected in the Box tree, its pages loaded as
// needed. The view's own find (Ctrl+Alt+F) filters the rows already shown; this searches the whole folder.
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import type { BoxItem } from '../../core/box/types';
import { describeFailure } from '../../core/failureText';
import type { Failures } from '../failures';
import type { Prompter } from '../prompter';
import type { BoxTreeProvider } from './boxTreeProvider';
import { formatBytes } from '../../core/pull/progress';
import type { BoxTreeNode, FolderNode, ItemNode } from './nodes';

export interface FindDependencies {
  client(): Promise<BoxClient>;
  prompter: Prompter;
  tree: BoxTreeProvider;
  treeView: vscode.TreeView<BoxTreeNode>;
  failures: Failures;
}

/** Asks for an item of `folder` by name and reveals it; returns its row, undefined when dismissed or not found. */
export async function findInFolder(
  folder: FolderNode,
  deps: FindDependencies,
): Promise<ItemNode | undefined> {
  let item: BoxItem | undefined;
  try {
    item = await deps.prompter.pick<BoxItem>({
      id: 'findInFolder',
      title: vscode.l10n.t('Find in “{0}”', folder.item.name),
      placeholder: vscode.l10n.t('Type part of a name'),
      items: listAll(folder, deps).then((items) =>
        items.map((entry) => ({
          label: entry.name,
          icon: entry.type === 'folder' ? 'folder' : entry.type === 'file' ? 'file' : 'link',
          description:
            entry.type === 'file' && entry.size !== undefined ? formatBytes(entry.size) : undefined,
          value: entry,
        })),
      ),
    });
  } catch (error) {
    await deps.failures.report(
      vscode.l10n.t('Could not list the Box folder: {0}', describeFailure(error, 'folder')),
      error,
      `Could not list Box folder ${folder.item.id} to find an item`,
    );
    return undefined;
  }
  if (!item) return undefined;
  const node = await deps.tree.findChild(folder, item.id);
  if (node) await deps.treeView.reveal(node, { select: true, focus: true, expand: false });
  return node;
}

async function listAll(folder: FolderNode, deps: FindDependencies): Promise<BoxItem[]> {
  const client = await deps.client();
  const items: BoxItem[] = [];
  for await (const item of client.iterateFolderItems(folder.item.id, {
    fields: ['type', 'id', 'name', 'size'],
  })) {
    items.push(item);
  }
  // Folders first, then by name: the order the tree shows.
  const rank = (entry: BoxItem) => (entry.type === 'folder' ? 0 : 1);
  return items.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
