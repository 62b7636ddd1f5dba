// "Download" on tree items (one or a multi-selection, context menu or inline) and "Download Folder…" in the
// palette. Both return the outcome, which is what the integration tests assert on.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { DownloadItem } from '../download/destinationRules';
import type { DownloadOutcome } from '../download/downloadRunner';
import type { DownloadService } from '../download/downloadService';
import { FileNode, FolderNode, type BoxTreeNode } from '../tree/nodes';

export function registerDownloadCommands(
  downloads: DownloadService,
  treeView: vscode.TreeView<BoxTreeNode>,
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      Commands.download,
      async (node?: BoxTreeNode, selection?: BoxTreeNode[]): Promise<DownloadOutcome | undefined> => {
        const nodes = pickNodes(node, selection, treeView.selection);
        if (nodes.length === 0) return downloads.pickAndDownload();
        return downloads.download(nodes.map(toItem));
      },
    ),
    vscode.commands.registerCommand(Commands.downloadFolder, () => downloads.pickAndDownload()),
  ];
}

/**
 * The clicked node, or the whole selection when the clicked node is part of it. Items inside a selected folder are
 * dropped: the folder brings them anyway, and listing them twice would make Box name-conflict them.
 */
function pickNodes(
  node: BoxTreeNode | undefined,
  selection: readonly BoxTreeNode[] | undefined,
  viewSelection: readonly BoxTreeNode[],
): (FolderNode | FileNode)[] {
  const chosen = node ? (selection?.includes(node) ? selection : [node]) : viewSelection;
  const items = chosen.filter(
    (n): n is FolderNode | FileNode => n instanceof FolderNode || n instanceof FileNode,
  );
  const selectedFolders = new Set(items.filter((n) => n instanceof FolderNode).map((n) => n.item.id));
  return items.filter((n) => {
    for (let parent = n.parent; parent; parent = parent.parent) {
      if (selectedFolders.has(parent.item.id)) return false;
    }
    return true;
  });
}

function toItem(node: FolderNode | FileNode): DownloadItem {
  return { type: node.kind, id: node.item.id, name: node.item.name };
}
