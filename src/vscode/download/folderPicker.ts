// The palette's folder chooser: browse from "All Files" (pick a folder to go in, "Download this folder" to take
// it), paste a Box link or id (a "Use folder <id>" row appears as soon as the text parses), or take a recent folder.
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import { parseBoxFolderReference } from '../../core/box/ids';
import { describeFailure } from '../../core/failureText';
import type { PickItem, Prompter } from '../prompter';
import type { DownloadItem } from './destinationRules';
import type { RecentFolder } from './recentFolders';

interface Place {
  id: string;
  name: string;
  parent?: Place;
}

type Choice =
  | { kind: 'download' }
  | { kind: 'open'; folder: RecentFolder }
  | { kind: 'up' }
  | { kind: 'more' }
  | { kind: 'take'; item: DownloadItem }
  | { kind: 'reference'; type: 'folder' | 'file'; id: string };

export interface FolderPickerDependencies {
  client(): Promise<BoxClient>;
  prompter: Prompter;
  recent(): RecentFolder[];
  onError(message: string, error: unknown): void;
}

/** Folders per page in the picker: only folders are shown, so one full Box page is cheap. */
const PICKER_PAGE_SIZE = 1000;

export async function pickBoxItem(deps: FolderPickerDependencies): Promise<DownloadItem | undefined> {
  let place: Place = { id: '0', name: vscode.l10n.t('All Files') };
  let folders: RecentFolder[] = [];
  let nextMarker: string | null | undefined;
  let loaded = false;

  for (;;) {
    const current = place;
    const items = (async (): Promise<PickItem<Choice>[]> => {
      if (!loaded) {
        const client = await deps.client();
        const page = await client.listFolderItems(current.id, {
          limit: PICKER_PAGE_SIZE,
          fields: ['type', 'id', 'name'],
        });
        folders = page.entries.filter((item) => item.type === 'folder').map(({ id, name }) => ({ id, name }));
        nextMarker = page.nextMarker;
        loaded = true;
      }
      return buildItems(current, folders, nextMarker, current.id === '0' ? deps.recent() : []);
    })();
    let choice: Choice | undefined;
    try {
      choice = await deps.prompter.pick<Choice>({
        id: 'boxFolder',
        title: vscode.l10n.t('Download a Box Folder'),
        placeholder:
          current.id === '0'
            ? vscode.l10n.t('Pick a folder, or paste a Box folder link or ID')
            : vscode.l10n.t('In “{0}”: pick a subfolder, or download this folder', current.name),
        items,
        itemsForValue: referenceItems,
      });
    } catch (error) {
      deps.onError(
        vscode.l10n.t('Could not list the Box folder: {0}', describeFailure(error, 'folder')),
        error,
      );
      return undefined;
    }
    if (!choice) return undefined;
    switch (choice.kind) {
      case 'download':
        return { type: 'folder', id: current.id, name: current.name };
      case 'take':
        return choice.item;
      case 'open':
        place = { ...choice.folder, parent: current };
        loaded = false;
        break;
      case 'up':
        place = current.parent ?? current;
        loaded = false;
        break;
      case 'more': {
        const client = await deps.client();
        const page = await client
          .listFolderItems(current.id, {
            marker: nextMarker ?? undefined,
            limit: PICKER_PAGE_SIZE,
            fields: ['type', 'id', 'name'],
          })
          .catch((error: unknown) => {
            deps.onError(
              vscode.l10n.t('Could not list the Box folder: {0}', describeFailure(error, 'folder')),
              error,
            );
            return undefined;
          });
        if (!page) return undefined;
        folders = [
          ...folders,
          ...page.entries.filter((item) => item.type === 'folder').map(({ id, name }) => ({ id, name })),
        ];
        nextMarker = page.nextMarker;
        break;
      }
      case 'reference': {
        const item = await resolveReference(deps, choice);
        if (item) return item;
        break; // the error was shown; let the user try again
      }
    }
  }
}

function buildItems(
  place: Place,
  folders: RecentFolder[],
  nextMarker: string | null | undefined,
  recent: RecentFolder[],
): PickItem<Choice>[] {
  const items: PickItem<Choice>[] = [];
  if (place.id !== '0') {
    items.push({
      label: vscode.l10n.t('Download this folder'),
      description: place.name,
      icon: 'cloud-download',
      value: { kind: 'download' },
    });
    items.push({
      label: '..',
      description: place.parent?.name,
      icon: 'arrow-up',
      value: { kind: 'up' },
    });
  }
  if (recent.length > 0) {
    items.push({ label: vscode.l10n.t('Recent'), separator: true });
    for (const folder of recent) {
      items.push({
        label: folder.name,
        description: vscode.l10n.t('recent · ID {0}', folder.id),
        icon: 'history',
        value: { kind: 'take', item: { type: 'folder', id: folder.id, name: folder.name } },
      });
    }
  }
  items.push({ label: vscode.l10n.t('Subfolders'), separator: true });
  for (const folder of folders) {
    items.push({ label: folder.name, icon: 'folder', value: { kind: 'open', folder } });
  }
  if (nextMarker)
    items.push({ label: vscode.l10n.t('Load more…'), icon: 'ellipsis', value: { kind: 'more' } });
  return items;
}

/** "Use folder 123" for a pasted id or Box link. */
function referenceItems(value: string): PickItem<Choice>[] {
  const reference = parseBoxFolderReference(value);
  if (!reference) return [];
  return [
    {
      label:
        reference.type === 'folder'
          ? vscode.l10n.t('Use folder {0}', reference.id)
          : vscode.l10n.t('Use file {0}', reference.id),
      icon: 'link',
      alwaysShow: true,
      value: { kind: 'reference', type: reference.type, id: reference.id },
    },
  ];
}

async function resolveReference(
  deps: FolderPickerDependencies,
  reference: { type: 'folder' | 'file'; id: string },
): Promise<DownloadItem | undefined> {
  try {
    const client = await deps.client();
    const item =
      reference.type === 'folder'
        ? await client.getFolder(reference.id, { fields: ['type', 'id', 'name'] })
        : await client.getFile(reference.id, { fields: ['type', 'id', 'name'] });
    return { type: reference.type, id: item.id, name: item.name };
  } catch (error) {
    const message =
      reference.type === 'folder'
        ? vscode.l10n.t('Box could not open folder {0}: {1}', reference.id, describeFailure(error, 'folder'))
        : vscode.l10n.t('Box could not open file {0}: {1}', reference.id, describeFailure(error, 'file'));
    deps.onError(message, error);
    return undefined;
  }
}
