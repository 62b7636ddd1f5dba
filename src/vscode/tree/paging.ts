// How a page of a folder's listing joins the rows already shown. No `vscode` here, so it is unit-tested directly.

/** What paging needs of a row: its kind and Box id. */
export interface PagedRow {
  kind: 'folder' | 'file' | 'webLink';
  item: { id: string };
}

/** Folders, then files, then web links; Box's order within each kind. */
export function kindRank(row: PagedRow): number {
  return row.kind === 'folder' ? 0 : row.kind === 'file' ? 1 : 2;
}

/**
 * The rows after a page arrives: a row already shown is not added twice (Box may repeat an item across pages
 * while the folder changes), and the sort is stable, so Box's order within each kind is kept.
 */
export function mergePage<T extends PagedRow>(shown: readonly T[], page: readonly T[]): T[] {
  const known = new Set(shown.map((row) => `${row.kind}:${row.item.id}`));
  const added: T[] = [];
  for (const row of page) {
    const key = `${row.kind}:${row.item.id}`;
    if (known.has(key)) continue;
    known.add(key);
    added.push(row);
  }
  return [...shown, ...added].sort((a, b) => kindRank(a) - kindRank(b));
}
