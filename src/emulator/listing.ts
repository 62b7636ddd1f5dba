// Folder listings: Box's order (folders before files, then `sort`/`direction`), offset and marker paging, and the
// 400s for bad paging parameters.
import { canSee, type SharedLinkConfig } from './sharedLinks';
import type { EmulatorContext } from './context';
import { BoxError, invalidParameter } from './errors';
import { parseFields, renderItem, type FieldSelection } from './representations';
import { compareNames, type FolderInfo, type ItemInfo } from './tree';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Guide pagination/offset-based: offsets past 9,999 are refused; use markers instead. */
const MAX_OFFSET = 9999;
const SORTS = ['id', 'name', 'date', 'size'] as const;
type Sort = (typeof SORTS)[number];
type Direction = 'ASC' | 'DESC';

interface SortKey {
  typeRank: number;
  primary: string | number;
  name: string;
}

export interface ListingQuery {
  fields: FieldSelection;
  sort: Sort | undefined;
  direction: Direction;
  limit: number;
  offset: number;
  useMarker: boolean;
  marker: string | undefined;
}

function integerParam(params: URLSearchParams, name: string, code: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw.trim()))
    throw new BoxError(400, code, `Invalid value '${raw}'.`, invalidParameter(name, raw));
  return Number(raw);
}

export function parseListingQuery(params: URLSearchParams, defaultFields: 'mini' | 'standard'): ListingQuery {
  const rawLimit = integerParam(params, 'limit', 'invalid_limit');
  if (rawLimit !== undefined && rawLimit < 1) {
    throw new BoxError(
      400,
      'invalid_limit',
      `Invalid value '${rawLimit}'.`,
      invalidParameter('limit', String(rawLimit)),
    );
  }
  const offset = integerParam(params, 'offset', 'invalid_offset') ?? 0;
  if (offset < 0 || offset > MAX_OFFSET) {
    throw new BoxError(
      400,
      'invalid_offset',
      `Invalid value '${offset}'.`,
      invalidParameter('offset', String(offset)),
    );
  }
  const sort = params.get('sort') ?? undefined;
  if (sort !== undefined && !(SORTS as readonly string[]).includes(sort)) {
    throw new BoxError(400, 'bad_request', `Invalid value '${sort}'.`, invalidParameter('sort', sort));
  }
  const direction = (params.get('direction') ?? 'ASC').toUpperCase();
  if (direction !== 'ASC' && direction !== 'DESC') {
    throw new BoxError(
      400,
      'bad_request',
      `Invalid value '${direction}'.`,
      invalidParameter('direction', direction),
    );
  }
  const useMarker = params.get('usemarker') === 'true';
  const marker = params.get('marker') ?? undefined;
  if (marker !== undefined && !useMarker) {
    throw new BoxError(400, 'bad_request', 'The marker parameter requires usemarker=true.');
  }
  return {
    fields: parseFields(params.get('fields'), defaultFields),
    sort: sort as Sort | undefined,
    direction,
    limit: Math.min(rawLimit ?? DEFAULT_LIMIT, MAX_LIMIT),
    offset,
    useMarker,
    marker,
  };
}

async function sortKey(ctx: EmulatorContext, item: ItemInfo, sort: Sort | undefined): Promise<SortKey> {
  const typeRank = item.type === 'folder' ? 0 : 1;
  let primary: string | number = item.name;
  if (sort === 'id') primary = Number(item.id);
  else if (sort === 'date') primary = Math.floor(item.mtimeMs / 1000);
  else if (sort === 'size')
    primary = item.type === 'file' ? item.size : await ctx.tree.folderSize(item.relPath);
  return { typeRank, primary, name: item.name };
}

function compareKeys(a: SortKey, b: SortKey, direction: Direction): number {
  if (a.typeRank !== b.typeRank) return a.typeRank - b.typeRank;
  const sign = direction === 'ASC' ? 1 : -1;
  let result =
    typeof a.primary === 'string' && typeof b.primary === 'string'
      ? compareNames(a.primary, b.primary)
      : (a.primary as number) - (b.primary as number);
  if (result === 0) result = compareNames(a.name, b.name);
  return sign * result;
}

function encodeMarker(key: SortKey): string {
  return Buffer.from(JSON.stringify([key.typeRank, key.primary, key.name])).toString('base64url');
}

function decodeMarker(marker: string): SortKey {
  try {
    const [typeRank, primary, name] = JSON.parse(
      Buffer.from(marker, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      typeof typeRank === 'number' &&
      typeof name === 'string' &&
      ['string', 'number'].includes(typeof primary)
    ) {
      return { typeRank, primary: primary as string | number, name };
    }
  } catch {
    // fall through to the 400 below
  }
  throw new BoxError(400, 'bad_request', 'Invalid marker.', invalidParameter('marker', marker));
}

/** Builds the `Items` body for a folder: offset envelope by default, marker envelope with `usemarker=true`. */
export async function listFolder(
  ctx: EmulatorContext,
  folder: FolderInfo,
  query: ListingQuery,
  /** The shared link the request's header names: link-only children show only below it. */
  link?: SharedLinkConfig,
): Promise<Record<string, unknown>> {
  if (query.useMarker && query.sort !== undefined && folder.relPath === '') {
    // Spec: `sort` "is not supported for marker-based pagination on the root folder".
    throw new BoxError(
      400,
      'bad_request',
      'Sorting is not supported with marker-based pagination on the root folder.',
    );
  }
  const children = (await ctx.tree.children(folder.relPath)).filter((child) =>
    canSee(ctx, link, child.relPath),
  );
  const keyed = await Promise.all(
    children.map(async (item) => ({ item, key: await sortKey(ctx, item, query.sort) })),
  );
  keyed.sort((a, b) => compareKeys(a.key, b.key, query.direction));

  if (query.useMarker) {
    let start = 0;
    if (query.marker !== undefined) {
      const after = decodeMarker(query.marker);
      start = keyed.findIndex(({ key }) => compareKeys(key, after, query.direction) > 0);
      if (start < 0) start = keyed.length;
    }
    const page = keyed.slice(start, start + query.limit);
    const more = start + page.length < keyed.length;
    return {
      limit: query.limit,
      next_marker: more ? encodeMarker(page[page.length - 1].key) : null,
      entries: await Promise.all(page.map(({ item }) => renderItem(ctx, item, query.fields))),
    };
  }
  const page = keyed.slice(query.offset, query.offset + query.limit);
  return {
    total_count: keyed.length,
    entries: await Promise.all(page.map(({ item }) => renderItem(ctx, item, query.fields))),
    offset: query.offset,
    limit: query.limit,
    order: [
      { by: 'type', direction: 'ASC' },
      { by: query.sort ?? 'name', direction: query.direction },
    ],
  };
}
