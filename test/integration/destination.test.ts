// The destination question: the workspace folder stays the first choice (what Enter picks), whatever was browsed to
// before; the last browsed folder is offered second, labelled as such, and forgotten once it is gone.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { PickItem, PickRequest } from '../../src/vscode/prompter';
import {
  download,
  env,
  findRow,
  getApi,
  makeBoxFolder,
  pickWhere,
  refreshTree,
  remove,
  ScriptedPrompter,
  value,
  withPrompter,
} from './helpers';

type Choice = { kind: 'folder'; uri: vscode.Uri } | { kind: 'browse' };

suite('Destination choice', () => {
  let api: BoxPullTestApi;
  let browsed: string;
  const cleanup: string[] = [];

  suiteSetup(async () => {
    api = await getApi();
    cleanup.push(
      await makeBoxFolder('it-dest-imports', { 'i.txt': 'i' }),
      await makeBoxFolder('it-dest-engineering', { 'e.txt': 'e' }),
    );
    browsed = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-imports-'));
    cleanup.push(browsed, path.join(env.workspace, 'it-dest-engineering'));
    await refreshTree();
  });

  suiteTeardown(() => remove(...cleanup));

  /** Downloads `name`, answering the destination pick with `answer` after recording what it offered. */
  async function pull(name: string, offered: PickItem<Choice>[], ...answers: ((r: unknown) => unknown)[]) {
    const row = await findRow(api, name);
    const [pick, ...rest] = answers;
    const prompter = new ScriptedPrompter().on('destination', async (request) => {
      offered.push(...(await (request as PickRequest<Choice>).items));
      return pick(request);
    });
    if (rest.length) prompter.on('destinationFolder', ...rest);
    return withPrompter(api, prompter, () => download(row.node));
  }

  test('after a Browse…, the workspace folder is still first and the browsed folder second, labelled', async () => {
    const first: PickItem<Choice>[] = [];
    const imported = await pull(
      'it-dest-imports',
      first,
      pickWhere<Choice>((item) => item.value?.kind === 'browse'),
      value(vscode.Uri.file(browsed)),
    );
    assert.equal(imported.status, 'completed', imported.message);
    assert.equal(imported.destination, path.join(browsed, 'it-dest-imports'));

    const second: PickItem<Choice>[] = [];
    // Enter takes the first item: the unrelated download goes to the workspace, not into the browsed folder.
    const engineering = await pull('it-dest-engineering', second, async (request) => {
      const [top] = await (request as PickRequest<Choice>).items;
      return top.value;
    });
    assert.equal(engineering.status, 'completed', engineering.message);
    assert.equal(engineering.destination, path.join(env.workspace, 'it-dest-engineering'));

    const offered = second.map((item) => {
      const uri = item.value?.kind === 'folder' ? path.resolve(item.value.uri.fsPath) : item.value?.kind;
      return [uri, item.detail];
    });
    assert.deepEqual(offered, [
      [path.resolve(env.workspace), undefined],
      [path.resolve(browsed), 'Last browsed folder'],
      ['browse', undefined],
    ]);
  });

  test('a last browsed folder that no longer exists is not offered', async () => {
    const gone = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-gone-'));
    await pull(
      'it-dest-imports',
      [],
      pickWhere<Choice>((item) => item.value?.kind === 'browse'),
      value(vscode.Uri.file(gone)),
    );
    await remove(gone);
    const offered: PickItem<Choice>[] = [];
    await pull('it-dest-engineering', offered, async () => undefined).catch(() => undefined);
    assert.deepEqual(
      offered.map((item) => item.value?.kind),
      ['folder', 'browse'],
    );
  });
});
