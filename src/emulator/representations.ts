// JSON shapes of files, folders and users, following the spec's Mini/Standard/Full variants. With `fields`, Box
// returns `type`, `id`, `etag` plus exactly the requested fields (guide request-extra-fields).
import { createHash } from 'node:crypto';
import { isInaccessible, type EmulatorContext } from './context';
import { isoSeconds } from './http';
import { ENTERPRISE_ID } from './options';
import { renderSharedLink } from './sharedLinks';
import { etagOf, parentOf, type FileInfo, type FolderInfo, type ItemInfo } from './tree';

type Json = Record<string, unknown>;
type FieldGetter<T> = (ctx: EmulatorContext, item: T) => unknown;

const FILE_MINI = ['type', 'id', 'file_version', 'sequence_id', 'etag', 'sha1', 'name'];
const FOLDER_MINI = ['type', 'id', 'sequence_id', 'etag', 'name'];
const COMMON_STANDARD = [
  'description',
  'size',
  'path_collection',
  'created_at',
  'modified_at',
  'trashed_at',
  'purged_at',
  'content_created_at',
  'content_modified_at',
  'created_by',
  'modified_by',
  'owned_by',
  'shared_link',
  'parent',
  'item_status',
];
const FILE_STANDARD = [...FILE_MINI, ...COMMON_STANDARD];
const FOLDER_STANDARD = [...FOLDER_MINI, ...COMMON_STANDARD, 'folder_upload_email', 'item_collection'];
const BASE_FIELDS = ['type', 'id', 'etag'];

export type FieldSelection = 'mini' | 'standard' | string[];

/** `fields=a,b` → the list to render; no `fields` → the given default variant. */
export function parseFields(raw: string | null, fallback: 'mini' | 'standard'): FieldSelection {
  if (raw === null) return fallback;
  const requested = raw
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  return [...BASE_FIELDS, ...requested.filter((field) => !BASE_FIELDS.includes(field))];
}

function timestamp(ms: number): string {
  return isoSeconds(Math.floor(ms));
}

const createdAt = (item: ItemInfo) => timestamp(item.birthtimeMs > 0 ? item.birthtimeMs : item.mtimeMs);

export function userMini(ctx: EmulatorContext): Json {
  return { type: 'user', id: ctx.user.id, name: ctx.user.name, login: ctx.user.login };
}

export function folderMini(folder: FolderInfo): Json {
  // The root has no etag or sequence id on Box (legacy fixture get_folders_id_200.json).
  if (folder.relPath === '')
    return { type: 'folder', id: '0', sequence_id: null, etag: null, name: folder.name };
  const etag = folderEtag(folder);
  return { type: 'folder', id: folder.id, sequence_id: etag, etag, name: folder.name };
}

/** A folder's etag follows its own directory mtime: it changes when children are added, removed or renamed. */
export function folderEtag(folder: FolderInfo): string | null {
  return folder.relPath === '' ? null : etagOf(folder.relPath, folder.mtimeMs);
}

async function ancestors(ctx: EmulatorContext, relPath: string): Promise<FolderInfo[]> {
  if (relPath === '') return [];
  const chain: FolderInfo[] = [];
  let current = parentOf(relPath);
  for (;;) {
    const folder = await ctx.tree.info(current);
    if (folder?.type === 'folder') chain.unshift(folder);
    if (current === '') break;
    current = parentOf(current);
  }
  return chain;
}

async function pathCollection(ctx: EmulatorContext, item: ItemInfo): Promise<Json> {
  const entries = (await ancestors(ctx, item.relPath)).map(folderMini);
  return { total_count: entries.length, entries };
}

async function parent(ctx: EmulatorContext, item: ItemInfo): Promise<Json | null> {
  if (item.relPath === '') return null;
  const folder = await ctx.tree.info(parentOf(item.relPath));
  return folder?.type === 'folder' ? folderMini(folder) : null;
}

function permissions(ctx: EmulatorContext, item: ItemInfo): Json {
  const canDownload = !isInaccessible(ctx.faults, item.relPath);
  const common = {
    can_delete: true,
    can_download: canDownload,
    can_invite_collaborator: true,
    can_rename: true,
    can_set_share_access: true,
    can_share: true,
    can_upload: true,
  };
  if (item.type === 'folder') return common;
  return {
    ...common,
    can_annotate: true,
    can_comment: true,
    can_preview: canDownload,
    can_view_annotations_all: true,
    can_view_annotations_self: true,
  };
}

const commonGetters: Record<string, FieldGetter<ItemInfo>> = {
  type: (_ctx, item) => item.type,
  id: (_ctx, item) => item.id,
  name: (_ctx, item) => item.name,
  description: () => '',
  path_collection: pathCollection,
  created_at: (_ctx, item) => (item.relPath === '' ? null : createdAt(item)),
  modified_at: (_ctx, item) => (item.relPath === '' ? null : timestamp(item.mtimeMs)),
  content_created_at: (_ctx, item) => (item.relPath === '' ? null : createdAt(item)),
  content_modified_at: (_ctx, item) => (item.relPath === '' ? null : timestamp(item.mtimeMs)),
  trashed_at: () => null,
  purged_at: () => null,
  created_by: userMini,
  modified_by: userMini,
  owned_by: userMini,
  shared_link: renderSharedLink,
  parent,
  item_status: () => 'active',
  permissions,
  has_collaborations: () => false,
  is_externally_owned: () => false,
};

const fileGetters: Record<string, FieldGetter<FileInfo>> = {
  ...commonGetters,
  etag: (ctx, file) => ctx.tree.fileEtag(file),
  sequence_id: (ctx, file) => ctx.tree.fileEtag(file),
  sha1: (ctx, file) => reportedSha1(ctx, file),
  file_version: async (ctx, file) => ({
    type: 'file_version',
    id: etagOf('version', file.id, ctx.tree.fileEtag(file)),
    sha1: await ctx.tree.sha1(file),
  }),
  size: (_ctx, file) => file.size,
  extension: (_ctx, file) => (file.name.includes('.') ? file.name.slice(file.name.lastIndexOf('.') + 1) : ''),
  version_number: () => '1',
  comment_count: () => 0,
};

const folderGetters: Record<string, FieldGetter<FolderInfo>> = {
  ...commonGetters,
  etag: (_ctx, folder) => folderEtag(folder),
  sequence_id: (_ctx, folder) => folderEtag(folder),
  size: (ctx, folder) => ctx.tree.folderSize(folder.relPath),
  folder_upload_email: () => null,
};

/** Renders an item; `item_collection` is left to the caller (it needs the request's paging parameters). */
export async function renderItem(
  ctx: EmulatorContext,
  item: ItemInfo,
  selection: FieldSelection,
): Promise<Json> {
  const isFile = item.type === 'file';
  const fields =
    selection === 'mini'
      ? isFile
        ? FILE_MINI
        : FOLDER_MINI
      : selection === 'standard'
        ? isFile
          ? FILE_STANDARD
          : FOLDER_STANDARD
        : selection;
  const getters = (isFile ? fileGetters : folderGetters) as Record<string, FieldGetter<ItemInfo>>;
  const out: Json = {};
  // Values are awaited in parallel: sha1 and folder sizes are the slow ones.
  const values = await Promise.all(fields.map((field) => getters[field]?.(ctx, item)));
  fields.forEach((field, index) => {
    if (field in getters) out[field] = values[index];
  });
  return out;
}

export function renderUser(ctx: EmulatorContext, fields: string[] | undefined, user = ctx.user): Json {
  const standard: Json = {
    type: 'user',
    id: user.id,
    name: user.name,
    login: user.login,
    created_at: '2020-01-01T00:00:00Z',
    modified_at: '2020-01-01T00:00:00Z',
    language: 'en',
    timezone: 'UTC',
    space_amount: 999_999_999_999_999,
    space_used: 0,
    max_upload_size: 50 * 1024 ** 3,
    status: 'active',
    job_title: '',
    phone: '',
    address: '',
    avatar_url: '',
  };
  const extra: Json = {
    enterprise: { id: ENTERPRISE_ID, type: 'enterprise', name: 'Emulator Enterprise' },
    role: 'user',
    is_platform_access_only: false,
  };
  if (!fields) return standard;
  const out: Json = { type: 'user', id: user.id };
  for (const field of fields) {
    if (field in standard) out[field] = standard[field];
    else if (field in extra) out[field] = extra[field];
  }
  return out;
}

/** The file's SHA-1, or a wrong one while the `wrongSha1` knob covers it (a file that changed on Box). */
async function reportedSha1(ctx: EmulatorContext, file: FileInfo): Promise<string> {
  const sha1 = await ctx.tree.sha1(file);
  const knob = ctx.faults.wrongSha1;
  if (!knob?.paths.includes(file.relPath) || knob.remaining === 0) return sha1;
  if (knob.remaining !== undefined) knob.remaining--;
  return createHash('sha1').update(`changed:${sha1}`).digest('hex');
}
