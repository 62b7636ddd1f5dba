// Open a Box file read-only (a click on a file row, or Open in its context menu), and the `box-pull:` file system
// that serves it.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { BOX_FILE_SCHEME } from '../open/boxFileUri';
import { BoxFileSystem } from '../open/boxFileSystem';
import type { FileOpener, OpenOutcome } from '../open/fileOpener';
import { FileNode, type BoxTreeNode } from '../tree/nodes';

export function registerOpenFileCommands(opener: FileOpener): vscode.Disposable[] {
  const files = new BoxFileSystem(opener);
  return [
    files,
    vscode.workspace.registerFileSystemProvider(BOX_FILE_SCHEME, files, {
      isReadonly: true,
      isCaseSensitive: true,
    }),
    // Returns the outcome, so tests driving the command see what happened.
    vscode.commands.registerCommand(
      Commands.openFile,
      async (node?: BoxTreeNode): Promise<OpenOutcome | undefined> =>
        node instanceof FileNode ? opener.open(node.item, folderNames(node)) : undefined,
    ),
  ];
}

/** The names of the folders above a row, outermost first, without the root ("All Files"). */
function folderNames(node: FileNode): string[] {
  const names: string[] = [];
  for (let folder = node.parent; folder && !folder.isRoot; folder = folder.parent)
    names.unshift(folder.item.name);
  return names;
}
