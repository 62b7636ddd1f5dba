// Downloads through the real commands: files land in the workspace byte for byte as the emulator serves them.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diffTrees } from '../helpers/compareTrees';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { PullProgress } from '../../src/core/pull/progress';
import { resetFaults, setFaults } from './emulator';
import {
  destinationFolder,
  download,
  env,
  exists,
  findRow,
  getApi,
  makeBoxFolder,
  pickWhere,
  refreshTree,
  remove,
  rows,
  ScriptedPrompter,
  setSetting,
  value,
  withPrompter,
  type Row,
} from './helpers';

/** A root folder of the generated tree that holds files somewhere below it. */
async function folderWithFiles(api: BoxPullTestApi): Promise<Row> {
  await refreshTree();
  for (const row of await rows(api)) {
    if (row.item.contextValue !== 'boxFolder' || row.label.startsWith('it-')) continue;
    const files = await fs.readdir(path.join(env.testRoot, row.label), {
      recursive: true,
      withFileTypes: true,
    });
    if (files.some((entry) => entry.isFile())) return row;
  }
  throw new Error('the generated tree has no root folder with files');
}

suite('Download', () => {
  let api: BoxPullTestApi;
  const cleanup: string[] = [];

  suiteSetup(async () => {
    api = await getApi();
  });

  teardown(async () => {
    await resetFaults();
    await setSetting('destinationLayout', undefined);
    await setSetting('conflictPolicy', undefined);
    await remove(...cleanup.splice(0));
  });

  test('a folder from the tree lands in <workspace>/<folder name>, byte for byte, with real progress', async () => {
    const folder = await folderWithFiles(api);
    const destination = path.join(env.workspace, folder.label);
    cleanup.push(destination);
    // A pause before each ZIP entry spreads the files over several progress events (about ten a second at most).
    await setFaults({ entryDelayMs: 150 });
    const phases: PullProgress['phase'][] = [];
    const statusTexts: string[] = [];
    const watcher = api.downloads.onDidChange(() => {
      for (const running of api.downloads.list()) {
        const phase = running.progress?.phase;
        if (phase && phases[phases.length - 1] !== phase) phases.push(phase);
      }
      const text = api.downloads.statusBarText();
      if (text && statusTexts[statusTexts.length - 1] !== text) statusTexts.push(text);
    });
    try {
      const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
      const outcome = await withPrompter(api, prompter, () => download(folder.node));
      assert.equal(outcome.status, 'completed', outcome.message);
      assert.equal(outcome.destination, destination);
      assert.deepEqual(await diffTrees(path.join(env.testRoot, folder.label), destination), []);
      assert.ok(outcome.report && outcome.report.filesWritten > 1);
      assert.match(outcome.message, /^Downloaded \d+ files? from “.+” to /);
    } finally {
      watcher.dispose();
    }
    assert.deepEqual(phases, ['preparing', 'downloading', 'extracting', 'placing', 'done']);
    // The status bar counts files as they arrive: "$(sync~spin) Box 42% · 3/12 files · …", the count growing.
    const counted = statusTexts
      .map((text) => /^\$\(sync~spin\) Box \d{1,3}% · (\d+)\/(\d+) files\b/.exec(text))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ done: Number(match[1]), total: Number(match[2]) }));
    const trace = statusTexts.join(' | ');
    assert.ok(counted.length >= 2, `percent and file count shown at least twice: ${trace}`);
    const dones = counted.map((count) => count.done);
    assert.deepEqual(
      dones,
      [...dones].sort((a, b) => a - b),
      `the file count never goes back: ${trace}`,
    );
    assert.ok(dones[dones.length - 1] > dones[0], `the file count grows: ${trace}`);
    assert.ok(
      counted.every((count) => count.total === counted[0].total && count.done <= count.total),
      trace,
    );
    assert.equal(api.downloads.statusBarText(), undefined, 'the status bar item hides when idle');
    assert.deepEqual(api.downloads.list(), []);
  });

  test('a multi-selection lands side by side in the workspace folder', async () => {
    const made = await makeBoxFolder('it-multi', { 'one/a.txt': 'a', 'two/b.txt': 'b', 'top.txt': 'top' });
    cleanup.push(made, path.join(env.workspace, 'one'), path.join(env.workspace, 'two'));
    cleanup.push(path.join(env.workspace, 'top.txt'));
    await refreshTree();
    const parent = await findRow(api, 'it-multi');
    const children = await rows(api, parent.node);
    const one = children.find((row) => row.label === 'one')!;
    const top = children.find((row) => row.label === 'top.txt')!;
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () => download(one.node, [one.node, top.node]));
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.equal(outcome.destination, env.workspace);
    assert.equal(await fs.readFile(path.join(env.workspace, 'one', 'a.txt'), 'utf8'), 'a');
    assert.equal(await fs.readFile(path.join(env.workspace, 'top.txt'), 'utf8'), 'top');
    assert.equal(await exists(path.join(env.workspace, 'two')), false, 'only the selection');
  });

  test('a multi-selection over the file limit is split; a file Box leaves out is fetched, and the message says so', async () => {
    const made = await makeBoxFolder('it-multi-limit', {
      'one/a.txt': 'a',
      'one/b.txt': 'b',
      'one/c.txt': 'c',
      'top.txt': 'top',
      'skip.txt': 'Box leaves me out',
    });
    for (const name of ['one', 'top.txt', 'skip.txt']) cleanup.push(path.join(env.workspace, name));
    cleanup.push(made);
    await setFaults({ maxZipFiles: 2, zipSkips: ['it-multi-limit/skip.txt'] });
    await refreshTree();
    const children = await rows(api, (await findRow(api, 'it-multi-limit')).node);
    const picked = ['one', 'top.txt', 'skip.txt'].map((label) =>
      children.find((row) => row.label === label)!,
    );
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () =>
      download(
        picked[0].node,
        picked.map((row) => row.node),
      ),
    );
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.ok(outcome.report?.plan, 'split into parts');
    assert.equal(outcome.report.fetchedAfterSkip, 1);
    assert.equal(await fs.readFile(path.join(env.workspace, 'one', 'c.txt'), 'utf8'), 'c');
    assert.equal(await fs.readFile(path.join(env.workspace, 'skip.txt'), 'utf8'), 'Box leaves me out');
    assert.match(outcome.message, /1 left out of Box's ZIP, fetched one by one/);
  });

  test('a multi-selection of same-named items from different folders: each kept, the later ones numbered', async () => {
    const made = await makeBoxFolder('it-multi-same', {
      'a/report.txt': 'report of a',
      'b/report.txt': 'report of b',
      'a/data/x.txt': 'x of a',
      'b/data/x.txt': 'x of b',
    });
    for (const name of ['report.txt', 'report (2).txt', 'data', 'data (2)']) {
      cleanup.push(path.join(env.workspace, name));
    }
    cleanup.push(made);
    await refreshTree();
    const parent = (await findRow(api, 'it-multi-same')).node;
    const [a, b] = await Promise.all(
      ['a', 'b'].map(async (label) => rows(api, (await findRow(api, label, parent)).node)),
    );
    const picked = [a, b].flatMap((children) =>
      ['report.txt', 'data'].map((label) => children.find((row) => row.label === label)!.node),
    );
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () => download(picked[0], picked));
    assert.equal(outcome.status, 'completed', outcome.message);
    const read = (name: string) => fs.readFile(path.join(env.workspace, name), 'utf8');
    assert.equal(await read('report.txt'), 'report of a');
    assert.equal(await read('report (2).txt'), 'report of b');
    assert.equal(await read('data/x.txt'), 'x of a');
    assert.equal(await read('data (2)/x.txt'), 'x of b');
    assert.deepEqual(outcome.report?.nameConflicts, [
      { originalName: 'report.txt', downloadName: 'report (2).txt' },
      { originalName: 'data', downloadName: 'data (2)' },
    ]);
    assert.match(outcome.message, /2 renamed \(duplicate names\)/);
  });

  test('Browse… with the direct layout writes the contents straight into the chosen folder', async () => {
    const made = await makeBoxFolder('it-direct', { 'x.txt': 'x', 'deep/y.txt': 'y' });
    const target = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-browse-'));
    cleanup.push(made, target);
    await setSetting('destinationLayout', 'direct');
    await refreshTree();
    const row = await findRow(api, 'it-direct');
    const prompter = new ScriptedPrompter()
      .on(
        'destination',
        pickWhere<{ kind: string }>((item) => item.value?.kind === 'browse'),
      )
      .on('destinationFolder', value(vscode.Uri.file(target)));
    const outcome = await withPrompter(api, prompter, () => download(row.node));
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(await diffTrees(made, target), []);
  });

  test('the palette command browses to a folder, then offers it as a recent folder', async () => {
    const made = await makeBoxFolder('it-palette', { 'inner/deeper/file.txt': 'palette' });
    const destination = path.join(env.workspace, 'deeper');
    cleanup.push(made, destination);
    const byLabel = (label: string) => pickWhere<{ kind: string }>((item) => item.label === label);
    const prompter = new ScriptedPrompter()
      .on('boxFolder', byLabel('it-palette'), byLabel('inner'), byLabel('deeper'))
      .on(
        'boxFolder',
        pickWhere<{ kind: string }>((item) => item.value?.kind === 'download'),
      )
      .on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () =>
      vscode.commands.executeCommand<{ status: string; destination: string }>('boxPull.downloadFolder'),
    );
    assert.equal(outcome?.status, 'completed');
    assert.equal(outcome?.destination, destination);
    assert.equal(await fs.readFile(path.join(destination, 'file.txt'), 'utf8'), 'palette');
    await remove(destination);

    const again = new ScriptedPrompter()
      .on(
        'boxFolder',
        pickWhere<{ kind: string; item?: { name: string } }>((i) => i.value?.kind === 'take'),
      )
      .on('destination', destinationFolder(env.workspace));
    const second = await withPrompter(api, again, () =>
      vscode.commands.executeCommand<{ status: string; destination: string }>('boxPull.downloadFolder'),
    );
    assert.equal(second?.status, 'completed');
    assert.equal(second?.destination, destination, 'the most recent folder comes first');
  });

  test('the palette command accepts a pasted Box link', async () => {
    const made = await makeBoxFolder('it-pasted', { 'p.txt': 'pasted' });
    const destination = path.join(env.workspace, 'it-pasted');
    cleanup.push(made, destination);
    await refreshTree();
    const row = await findRow(api, 'it-pasted');
    const folderId = row.item.id!.replace(/^folder:/, '');
    const pasted = (request: unknown) => {
      const typed = (
        request as { itemsForValue(v: string): { label: string; value: unknown }[] }
      ).itemsForValue(`https://app.box.com/folder/${folderId}?s=abc`);
      assert.equal(typed[0]?.label, `Use folder ${folderId}`);
      return typed[0].value;
    };
    const prompter = new ScriptedPrompter()
      .on('boxFolder', pasted)
      .on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () =>
      vscode.commands.executeCommand<{ status: string }>('boxPull.downloadFolder'),
    );
    assert.equal(outcome?.status, 'completed');
    assert.equal(await fs.readFile(path.join(destination, 'p.txt'), 'utf8'), 'pasted');
  });

  test('copy link and copy id put Box web links on the clipboard', async () => {
    const made = await makeBoxFolder('it-links', { 'f.txt': 'f' });
    cleanup.push(made);
    await refreshTree();
    const row = await findRow(api, 'it-links');
    const folderId = row.item.id!.replace(/^folder:/, '');
    // Each copy confirms (in the status bar; the command returns the words).
    const linkCopied = await vscode.commands.executeCommand('boxPull.copyLink', row.node);
    assert.equal(await vscode.env.clipboard.readText(), `https://app.box.com/folder/${folderId}`);
    assert.equal(linkCopied, 'Copied the Box link of “it-links”.');
    const idCopied = await vscode.commands.executeCommand('boxPull.copyId', row.node);
    assert.equal(await vscode.env.clipboard.readText(), folderId);
    assert.equal(idCopied, 'Copied the Box ID of “it-links”.');
  });
});
