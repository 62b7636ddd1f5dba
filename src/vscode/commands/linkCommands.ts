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
        if (nodes.length === 0) return undefined;
        await vscode.env.clipboard.writeText(nodes.map(webLink).join('\n'));
        return confirm(
          nodes.length === 1
            ? vscode.l10n.t('Copied the Box link of “{0}”.', nodes[0].item.name)
            : vscode.l10n.t('Copied {0} Box links.', nodes.length),
        );
      },
    ),
    vscode.commands.registerCommand(
      Commands.copyId,
      async (node?: BoxTreeNode, selection?: BoxTreeNode[]) => {
        const nodes = chosen(node, selection);
        if (nodes.length === 0) return undefined;
        await vscode.env.clipboard.writeText(nodes.map((n) => n.item.id).join('\n'));
        return confirm(
          nodes.length === 1
            ? vscode.l10n.t('Copied the Box ID of “{0}”.', nodes[0].item.name)
            : vscode.l10n.t('Copied {0} Box IDs.', nodes.length),
        );
      },
    ),
  ];
}

/**
 * Says in the status bar that the copy happened (a clipboard gives no sign of its own), for a few seconds; returns
 * the words, for tests.
 */
function confirm(message: string): string {
  vscode.window.setStatusBarMessage(`$(check) ${message}`, 5_000);
  return message;
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
