// Where a download lands. The user picks a workspace folder (or Browse… for any folder); with the default
// `subfolder` layout a single Box folder goes to `<picked folder>/<Box folder name>`, while several items (or a
// file) go to the picked folder itself, each under its own name. The last choice is offered first next time.
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

const LAST_DESTINATION_KEY = 'boxPull.lastDestination';

type Choice = { kind: 'folder'; uri: vscode.Uri } | { kind: 'browse' };

export async function chooseDestination(
  items: DownloadItem[],
  prompter: Prompter,
  workspaceState: vscode.Memento,
): Promise<Destination | undefined> {
  const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter(
    (folder) => folder.uri.scheme === 'file',
  );
  const last = workspaceState.get<string>(LAST_DESTINATION_KEY);
  const lastUri = last ? vscode.Uri.parse(last) : undefined;
  const what = describeItems(items);

  let base: vscode.Uri | undefined;
  if (workspaceFolders.length === 0) {
    base = await browse(prompter, what, lastUri);
  } else {
    const candidates = workspaceFolders.map((folder) => folder.uri);
    if (lastUri && !candidates.some((uri) => sameUri(uri, lastUri))) candidates.push(lastUri);
    if (lastUri) candidates.sort((a, b) => Number(sameUri(b, lastUri)) - Number(sameUri(a, lastUri)));
    const choice = await prompter.pick<Choice>({
      id: 'destination',
      title: vscode.l10n.t('Download {0}', what),
      placeholder: vscode.l10n.t('Where should the files go?'),
      items: [
        ...candidates.map((uri) => ({
          ...folderLabel(uri),
          description: targetPath(items, uri),
          value: { kind: 'folder' as const, uri },
        })),
        { label: vscode.l10n.t('Browse…'), icon: 'folder-opened', value: { kind: 'browse' as const } },
      ],
    });
    if (!choice) return undefined;
    base =
      choice.kind === 'browse'
        ? await browse(prompter, what, lastUri ?? workspaceFolders[0].uri)
        : choice.uri;
  }
  if (!base) return undefined;
  await workspaceState.update(LAST_DESTINATION_KEY, base.toString());
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

/** A workspace folder by its name; any other folder by its base name. */
function folderLabel(uri: vscode.Uri): { label: string; icon: string } {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder && sameUri(folder.uri, uri)
    ? { label: folder.name, icon: 'root-folder' }
    : { label: path.basename(uri.fsPath), icon: 'folder' };
}

function sameUri(a: vscode.Uri, b: vscode.Uri): boolean {
  return a.toString() === b.toString();
}
