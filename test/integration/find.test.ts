// Find by Name…: the whole folder (every page, not only the rows loaded so far) in a quick pick; the chosen item is
// revealed in the tree, its page loaded on the way.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { PickItem, PickRequest } from '../../src/vscode/prompter';
import type { BoxTreeNode } from '../../src/vscode/tree/nodes';
import {
  findRow,
  getApi,
  makeBoxFolder,
  refreshTree,
  remove,
  rows,
  ScriptedPrompter,
  withPrompter,
} from './helpers';

suite('Find by name', () => {
  let api: BoxPullTestApi;
  let made: string;

  suiteSetup(async () => {
    api = await getApi();
    const files: Record<string, string> = { 'sub/inner.txt': 'x' };
    for (let i = 1; i <= 8; i++) files[`report-${i}.txt`] = `report ${i}`;
    made = await makeBoxFolder('it-find', files);
  });

  teardown(() => api.tree.setPageSize(200));

  suiteTeardown(async () => {
    await remove(made);
    await refreshTree();
  });

  test('offers every item of the folder and reveals the chosen one, loading its page', async () => {
    api.tree.setPageSize(3);
    await refreshTree();
    const folder = await findRow(api, 'it-find');
    assert.equal((await rows(api, folder.node)).length, 4, 'three rows and Load more… before the search');

    let offered: PickItem<{ name: string }>[] = [];
    const prompter = new ScriptedPrompter().on('findInFolder', async (request) => {
      offered = await (request as PickRequest<{ name: string }>).items;
      return offered.find((item) => item.label === 'report-7.txt')?.value;
    });
    const found = await withPrompter(api, prompter, () =>
      vscode.commands.executeCommand<BoxTreeNode | undefined>('boxPull.findInFolder', folder.node),
    );
    assert.deepEqual(
      offered.map((item) => item.label),
      ['sub', ...Array.from({ length: 8 }, (_, i) => `report-${i + 1}.txt`)],
      'all nine items, folders first',
    );
    assert.ok(found && found.kind === 'file', 'the command returns the revealed row');
    assert.equal(found.item.name, 'report-7.txt');
    const shown = await rows(api, folder.node);
    assert.ok(
      shown.some((row) => row.node === found),
      'its row is in the tree now (the pages up to it were loaded)',
    );
  });
});
