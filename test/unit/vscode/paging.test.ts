import assert from 'node:assert/strict';
import { mergePage, type PagedRow } from '../../../src/vscode/tree/paging';

const row = (kind: PagedRow['kind'], id: string): PagedRow => ({ kind, item: { id } });
const ids = (rows: PagedRow[]): string[] => rows.map((r) => `${r.kind[0]}${r.item.id}`);

describe('tree paging (mergePage)', () => {
  it('puts folders, then files, then web links first, keeping Box order within each kind', () => {
    const merged = mergePage(
      [],
      [row('file', '3'), row('webLink', '9'), row('folder', '2'), row('file', '1'), row('folder', '5')],
    );
    assert.deepEqual(ids(merged), ['f2', 'f5', 'f3', 'f1', 'w9']);
  });

  it('appends a later page after the rows shown, each kind still grouped', () => {
    const first = mergePage([], [row('folder', 'a'), row('file', 'b')]);
    const second = mergePage(first, [row('folder', 'c'), row('file', 'd')]);
    assert.deepEqual(ids(second), ['fa', 'fc', 'fb', 'fd']);
  });

  it('never shows an item twice when Box repeats it across pages or within one', () => {
    const first = mergePage([], [row('file', '1'), row('file', '2')]);
    const second = mergePage(first, [row('file', '2'), row('file', '3'), row('file', '3')]);
    assert.deepEqual(ids(second), ['f1', 'f2', 'f3']);
    // The same id of another kind is another item.
    assert.deepEqual(ids(mergePage(second, [row('folder', '1')])), ['f1', 'f1', 'f2', 'f3']);
  });

  it('keeps the rows already shown (the same objects), so expanded folders stay expanded', () => {
    const shown = [row('folder', 'x')];
    const merged = mergePage(shown, [row('folder', 'x'), row('folder', 'y')]);
    assert.equal(merged[0], shown[0]);
  });
});
