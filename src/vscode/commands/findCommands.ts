// Find by Name…: in the view title (the whole account's top level) and on a folder's context menu.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { findInFolder, type FindDependencies } from '../tree/findInFolder';
import { FolderNode, type BoxTreeNode } from '../tree/nodes';

export function registerFindCommands(deps: FindDependencies): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.findInFolder, (node?: BoxTreeNode) =>
      findInFolder(node instanceof FolderNode ? node : deps.tree.rootFolder, deps),
    ),
  ];
}
