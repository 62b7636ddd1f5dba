// Where a download lands. The user picks a workspace folder (or Browse… for any folder); with the default
// `subfolder` layout a single Box folder goes to `<picked folder>/<Box folder name>`, while several items (or a
// file) go to the picked folder itself, each under its own name. The workspace folders always come first, so Enter
// never sends an unrelated download into a folder browsed to once; the last browsed folder is offered after them,
// labelled as such.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../config';
import type { Prompter } from '../prompter';
import { targetPathFor, type DownloadItem } from './destinationRules';

export interface Destination {
  /** Absolute path the pull writes into. */
  path: string;
  /** The folder the user picked (settings are read for it, and it is remembered). */
  base: vscode.Uri;
}

/** The folder last chosen through Browse… (workspace folders are not remembered: they are always offered). */
const LAST_BROWSED_KEY = 'boxPull.lastBrowsedFolder';

type Choice = { kind: 'folder'; uri: vscode.Uri } | { kind: 'browse' };

export async function chooseDestination(
  items: DownloadItem[],
  prompter: Prompter,
  workspaceState: vscode.Memento,
): Promise<Destination | undefined> {
  const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter(
    (folder) => folder.uri.scheme === 'file',
  );
  const lastBrowsed = await existingFolder(workspaceState.get<string>(LAST_BROWSED_KEY));
  const what = describeItems(items);

  let base: vscode.Uri | undefined;
  let browsed: boolean;
  if (workspaceFolders.length === 0) {
    base = await browse(prompter, what, lastBrowsed);
    browsed = true;
  } else {
    const offerBrowsed =
      lastBrowsed && !workspaceFolders.some((folder) => sameUri(folder.uri, lastBrowsed))
        ? lastBrowsed
        : undefined;
    const choice = await prompter.pick<Choice>({
      id: 'destination',
      title: vscode.l10n.t('Download {0}', what),
      placeholder: vscode.l10n.t('Where should the files go?'),
      items: [
        ...workspaceFolders.map((folder) => ({
          label: folder.name,
          icon: 'root-folder',
          description: targetPath(items, folder.uri),
          value: { kind: 'folder' as const, uri: folder.uri },
        })),
        ...(offerBrowsed
          ? [
              {
                label: path.basename(offerBrowsed.fsPath),
                icon: 'history',
                description: targetPath(items, offerBrowsed),
                detail: vscode.l10n.t('Last browsed folder'),
                value: { kind: 'folder' as const, uri: offerBrowsed },
              },
            ]
          : []),
        { label: vscode.l10n.t('Browse…'), icon: 'folder-opened', value: { kind: 'browse' as const } },
      ],
    });
    if (!choice) return undefined;
    browsed = choice.kind === 'browse';
    base =
      choice.kind === 'browse'
        ? await browse(prompter, what, lastBrowsed ?? workspaceFolders[0].uri)
        : choice.uri;
  }
  if (!base) return undefined;
  if (browsed) await workspaceState.update(LAST_BROWSED_KEY, base.toString());
  return { path: targetPath(items, base), base };
}

/** The absolute path a pull of `items` into `base` writes to, under the layout setting for `base`. */
function targetPath(items: DownloadItem[], base: vscode.Uri): string {
  return targetPathFor(items, base.fsPath, readSettings(base).destinationLayout);
}

export function describeItems(items: DownloadItem[]): string {
  return items.length === 1
    ? `“${items[0].name}”`
    : vscode.l10n.t('{0} items', new Intl.NumberFormat(vscode.env.language).format(items.length));
}

function browse(
  prompter: Prompter,
  what: string,
  defaultUri: vscode.Uri | undefined,
): Promise<vscode.Uri | undefined> {
  return prompter.pickFolder({
    id: 'destinationFolder',
    title: vscode.l10n.t('Download {0} into…', what),
    openLabel: vscode.l10n.t('Download Here'),
    defaultUri,
  });
}

/** The remembered folder, if it is still a folder (it may have been deleted since). */
async function existingFolder(remembered: string | undefined): Promise<vscode.Uri | undefined> {
  if (!remembered) return undefined;
  const uri = vscode.Uri.parse(remembered);
  const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
  return stat && stat.type & vscode.FileType.Directory ? uri : undefined;
}

function sameUri(a: vscode.Uri, b: vscode.Uri): boolean {
  return a.toString() === b.toString();
}
