// Open in Box, Copy Link, Copy ID: web-app links for folders and files (several at once from a multi-selection).
import * as vscode from 'vscode';
import { BOX_WEB_APP, Commands } from '../constants';
import { FileNode, FolderNode, type BoxTreeNode } from '../tree/nodes';

/** The rows with a page of their own in the Box web app. */
type LinkableNode = FolderNode | FileNode;

export function registerLinkCommands(): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.openInBox, async (node?: BoxTreeNode) => {
      if (isLinkable(node)) await vscode.env.openExternal(vscode.Uri.parse(webLink(node)));
    }),
    vscode.commands.registerCommand(
      Commands.copyLink,
      async (node?: BoxTreeNode, selection?: BoxTreeNode[]) => {
        const nodes = chosen(node, selection);
        if (nodes.length > 0) await vscode.env.clipboard.writeText(nodes.map(webLink).join('\n'));
      },
    ),
    vscode.commands.registerCommand(
      Commands.copyId,
      async (node?: BoxTreeNode, selection?: BoxTreeNode[]) => {
        const nodes = chosen(node, selection);
        if (nodes.length > 0) await vscode.env.clipboard.writeText(nodes.map((n) => n.item.id).join('\n'));
      },
    ),
  ];
}

/** `https://app.box.com/folder/<id>` or `/file/<id>`. */
export function webLink(node: LinkableNode): string {
  return `${BOX_WEB_APP}/${node.kind}/${node.item.id}`;
}

function chosen(node: BoxTreeNode | undefined, selection: BoxTreeNode[] | undefined): LinkableNode[] {
  const nodes = node && selection?.includes(node) ? selection : node ? [node] : [];
  return nodes.filter(isLinkable);
}

function isLinkable(node: BoxTreeNode | undefined): node is LinkableNode {
  return node instanceof FolderNode || node instanceof FileNode;
}
