// Refresh the tree and page through big folders.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { BoxTreeProvider } from '../tree/boxTreeProvider';
import { FolderNode, LoadMoreNode, type BoxTreeNode } from '../tree/nodes';

export function registerTreeCommands(tree: BoxTreeProvider): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.refresh, (node?: BoxTreeNode) =>
      tree.refresh(node instanceof FolderNode ? node : undefined),
    ),
    vscode.commands.registerCommand(Commands.loadMore, async (node?: BoxTreeNode) => {
      if (node instanceof LoadMoreNode) await tree.loadMore(node);
    }),
  ];
}
