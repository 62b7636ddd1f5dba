// The Box tree against the emulator: what the root shows, paging with "Load more…", item details, and errors.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import { env, findRow, getApi, makeBoxFolder, refreshTree, remove, rows } from './helpers';

/** Names in a directory, folders first (each group in any order). */
async function listing(dir: string): Promise<{ folders: string[]; files: string[] }> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return {
    folders: entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(),
    files: entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort(),
  };
}

suite('Box tree', () => {
  let api: BoxPullTestApi;
  const made: string[] = [];

  suiteSetup(async () => {
    api = await getApi();
  });

  teardown(async () => {
    api.tree.setPageSize(200);
    await remove(...made.splice(0));
    await refreshTree();
  });

  test('the root shows the emulator root, folders before files', async () => {
    await refreshTree();
    const expected = await listing(env.testRoot);
    const shown = await rows(api);
    const kinds = shown.map((row) => row.item.contextValue);
    const folderRows = shown.filter((row) => row.item.contextValue === 'boxFolder').map((row) => row.label);
    const fileRows = shown.filter((row) => row.item.contextValue === 'boxFile').map((row) => row.label);
    assert.deepEqual([...folderRows].sort(), expected.folders);
    assert.deepEqual([...fileRows].sort(), expected.files);
    const firstFile = kinds.indexOf('boxFile');
    if (firstFile >= 0) assert.ok(!kinds.slice(firstFile).includes('boxFolder'), 'no folder after a file');
  });

  test('folders and files carry icons, context values and a tooltip', async () => {
    made.push(await makeBoxFolder('it-tree-details', { 'notes.md': '# hello\n', 'sub/inner.txt': 'x' }));
    await refreshTree();
    const folder = await findRow(api, 'it-tree-details');
    assert.equal(folder.item.contextValue, 'boxFolder');
    assert.equal((folder.item.iconPath as vscode.ThemeIcon).id, vscode.ThemeIcon.Folder.id);
    assert.equal(folder.item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const children = await rows(api, folder.node);
    assert.deepEqual(
      children.map((row) => [row.label, row.item.contextValue]),
      [
        ['sub', 'boxFolder'],
        ['notes.md', 'boxFile'],
      ],
    );
    const file = children[1].item;
    assert.equal((file.iconPath as vscode.ThemeIcon).id, vscode.ThemeIcon.File.id);
    assert.equal(
      path.posix.basename(file.resourceUri!.path),
      'notes.md',
      'resourceUri drives file-icon themes',
    );
    const tooltip = (file.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /notes\\\.md/);
    assert.match(tooltip, /Size: 8 B/);
    assert.match(tooltip, /Modified: /);
    assert.match(tooltip, /Owner: /);
  });

  test('Load more… pages through a big folder', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 7; i++) files[`file-${i}.txt`] = `content ${i}`;
    files['a-folder/x.txt'] = 'x';
    files['b-folder/y.txt'] = 'y';
    made.push(await makeBoxFolder('it-paging', files));
    api.tree.setPageSize(3);
    await refreshTree();
    const folder = await findRow(api, 'it-paging');

    let page = await rows(api, folder.node);
    assert.equal(page.length, 4, 'three items and "Load more…"');
    let pages = 1;
    const labels: string[] = [];
    while (page[page.length - 1].item.contextValue === 'boxLoadMore') {
      const loadMore: (typeof page)[number] = page[page.length - 1];
      labels.push(loadMore.label);
      assert.equal(loadMore.item.command?.command, 'boxPull.loadMore');
      await vscode.commands.executeCommand('boxPull.loadMore', loadMore.node);
      page = await rows(api, folder.node);
      pages++;
      assert.ok(pages <= 4, 'paging ends');
    }
    assert.equal(pages, 3, '9 items in pages of 3');
    assert.deepEqual(labels, ['Load 3 more · 3 of 9', 'Load 3 more · 6 of 9'], 'how many are left');
    const expected = await listing(path.join(env.testRoot, 'it-paging'));
    assert.deepEqual(
      page.map((row) => row.label),
      [...expected.folders, ...expected.files],
      'every item once, folders first',
    );
  });

  test('an empty folder says so', async () => {
    made.push(await makeBoxFolder('it-empty', {}));
    await refreshTree();
    const children = await rows(api, (await findRow(api, 'it-empty')).node);
    assert.equal(children.length, 1);
    assert.equal(children[0].item.contextValue, 'boxMessage');
  });

  test('a folder that cannot be listed shows the error, retries on a click and offers the log', async () => {
    const folder = await makeBoxFolder('it-vanishing', { 'a.txt': 'a' });
    made.push(folder);
    await refreshTree();
    const row = await findRow(api, 'it-vanishing');
    await remove(folder); // Box now answers 404 for it
    const children = await rows(api, row.node);
    assert.equal(children.length, 1);
    assert.equal(children[0].item.contextValue, 'boxError');
    // In words (core/failureText); "404" and the request are in the log behind the row's Show Log.
    assert.equal(children[0].label, 'This folder no longer exists on Box, or you lost access to it.');
    assert.equal(children[0].item.command?.command, 'boxPull.refresh', 'a click retries');
    // Show Log and Retry are the error row's inline actions.
    const menus = vscode.extensions.getExtension('box-pull.box-pull')?.packageJSON.contributes
      .menus as Record<string, { command: string; when: string; group?: string }[]>;
    const inline = menus['view/item/context']
      .filter((entry) => entry.when.includes('viewItem == boxError') && entry.group?.startsWith('inline'))
      .map((entry) => entry.command);
    assert.deepEqual(inline, ['boxPull.refresh', 'boxPull.showLog']);
    assert.equal(api.account()?.kind, 'developerToken', 'a listing error does not sign the user out');
  });
});
