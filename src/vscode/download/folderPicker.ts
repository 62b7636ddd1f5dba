// The palette's folder chooser: browse from "All Files" (pick a folder to go in, "Download this folder" to take
// it), paste a Box link or id (a "Use folder <id>" row appears as soon as the text parses), paste a shared link
// (resolved, with its password asked for when it has one, then browsed like any folder), or take a recent folder.
import * as vscode from 'vscode';
import type { BoxClient, SharedLinkCredentials } from '../../core/box/client';
import { parseBoxReference } from '../../core/box/ids';
import { isSharedLinkPasswordError, resolveSharedLink } from '../../core/box/sharedLink';
import { describeFailure } from '../../core/failureText';
import type { PickItem, Prompter } from '../prompter';
import type { DownloadItem } from './destinationRules';
import type { RecentFolder } from './recentFolders';

interface Place {
  id: string;
  name: string;
  parent?: Place;
  /** Inside a shared link: the client bound to it, and the link to download with. */
  client?: BoxClient;
  link?: SharedLinkCredentials;
}

type Choice =
  | { kind: 'download' }
  | { kind: 'open'; folder: RecentFolder }
  | { kind: 'up' }
  | { kind: 'more' }
  | { kind: 'take'; item: DownloadItem }
  | { kind: 'reference'; type: 'folder' | 'file'; id: string }
  | { kind: 'link'; url: string };

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
        const client = current.client ?? (await deps.client());
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
            ? vscode.l10n.t('Pick a folder, or paste a Box folder link, shared link or ID')
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
        return { type: 'folder', id: current.id, name: current.name, ...linkOf(current) };
      case 'take':
        return choice.item;
      case 'open':
        place = { ...choice.folder, parent: current, client: current.client, link: current.link };
        loaded = false;
        break;
      case 'up':
        place = current.parent ?? current;
        loaded = false;
        break;
      case 'more': {
        const client = current.client ?? (await deps.client());
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
      case 'link': {
        const shared = await openSharedLink(deps, choice.url);
        if (!shared) break; // told, or the password question was dismissed: back to the picker
        if (shared.type === 'file') {
          return { type: 'file', id: shared.id, name: shared.name, sharedLink: shared.link };
        }
        place = {
          id: shared.id,
          name: shared.name,
          parent: current,
          client: shared.client,
          link: shared.link,
        };
        loaded = false;
        break;
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

const linkOf = (place: Place) => (place.link ? { sharedLink: place.link } : {});

/** "Use folder 123" for a pasted id or Box link; "Open shared link" for a shared one. */
function referenceItems(value: string): PickItem<Choice>[] {
  const reference = parseBoxReference(value);
  if (!reference) return [];
  if (reference.type === 'shared_link') {
    return [
      {
        label: vscode.l10n.t('Open shared link'),
        description: reference.url,
        icon: 'link',
        alwaysShow: true,
        value: { kind: 'link', url: reference.url },
      },
    ];
  }
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

/**
 * Resolves a shared link, asking for its password when Box says it needs one (and again when it was wrong).
 * Undefined when it cannot be opened (the error is shown) or the password question was dismissed.
 */
async function openSharedLink(
  deps: FolderPickerDependencies,
  url: string,
): Promise<
  | { type: 'folder' | 'file'; id: string; name: string; client: BoxClient; link: SharedLinkCredentials }
  | undefined
> {
  let password: string | undefined;
  for (;;) {
    const link: SharedLinkCredentials = password === undefined ? { url } : { url, password };
    try {
      const shared = await resolveSharedLink(await deps.client(), link);
      return { ...shared, link };
    } catch (error) {
      if (!isSharedLinkPasswordError(error)) {
        deps.onError(
          vscode.l10n.t('Box could not open the shared link: {0}', describeFailure(error, 'item')),
          error,
        );
        return undefined;
      }
      password = await deps.prompter.input({
        id: 'sharedLinkPassword',
        title: vscode.l10n.t('Shared link password'),
        prompt:
          password === undefined
            ? vscode.l10n.t('This shared link is protected by a password.')
            : vscode.l10n.t('That password is not right. Try again.'),
        password: true,
      });
      if (!password) return undefined;
    }
  }
}
