// Refresh the tree and page through big folders.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { BoxTreeProvider } from '../tree/boxTreeProvider';
import { ErrorNode, FolderNode, LoadMoreNode, type BoxTreeNode } from '../tree/nodes';

export function registerTreeCommands(tree: BoxTreeProvider): vscode.Disposable[] {
  return [
    // On an error row (its inline Retry) the folder that failed to list is refreshed.
    vscode.commands.registerCommand(Commands.refresh, (node?: BoxTreeNode) => {
      const folder = node instanceof ErrorNode ? node.parent : node;
      tree.refresh(folder instanceof FolderNode ? folder : undefined);
    }),
    vscode.commands.registerCommand(Commands.loadMore, async (node?: BoxTreeNode) => {
      if (node instanceof LoadMoreNode) await tree.loadMore(node);
    }),
  ];
}
