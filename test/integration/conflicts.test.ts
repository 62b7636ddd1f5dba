// Existing files: the conflict question (answered by a scripted prompter), the policies, and dirty editors.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import {
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  makeBoxFolder,
  readText,
  refreshTree,
  remove,
  ScriptedPrompter,
  setSetting,
  value,
  withPrompter,
  writeFiles,
} from './helpers';

const NAMES = ['c1.txt', 'c2.txt', 'c3.txt', 'c4.txt'];
const FOLDER = 'it-conflicts';

function contents(prefix: string): Record<string, string> {
  return Object.fromEntries(NAMES.map((name) => [name, `${prefix} ${name}\n`]));
}

suite('Conflicts', () => {
  let api: BoxPullTestApi;
  const destination = () => path.join(env.workspace, FOLDER);

  suiteSetup(async () => {
    api = await getApi();
    // code-server saves dirty editors after a delay by default; the dirty-editor test needs one that stays dirty.
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    await makeBoxFolder(FOLDER, contents('box'));
    await refreshTree();
  });

  setup(async () => {
    await remove(destination());
    await writeFiles(destination(), contents('local'));
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await setSetting('conflictPolicy', undefined);
    await remove(destination());
  });

  suiteTeardown(async () => {
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    await remove(path.join(env.testRoot, FOLDER));
  });

  async function pullWith(prompter: ScriptedPrompter) {
    prompter.on('destination', destinationFolder(env.workspace));
    const row = await findRow(api, FOLDER);
    return withPrompter(api, prompter, () => download(row.node));
  }

  async function onDisk(): Promise<string[]> {
    return Promise.all(
      NAMES.map(async (name) => (await readText(path.join(destination(), name))).split(' ')[0]),
    );
  }

  test('asks per file; Overwrite All applies to the rest', async () => {
    const asked: string[] = [];
    const answer = (decision: string) => (request: unknown) => {
      asked.push((request as { relativePath: string }).relativePath);
      return decision;
    };
    const prompter = new ScriptedPrompter().on(
      'conflict',
      answer('overwrite'),
      answer('skip'),
      answer('overwriteAll'),
    );
    const outcome = await pullWith(prompter);
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(asked, ['c1.txt', 'c2.txt', 'c3.txt'], 'asked in path order, not after Overwrite All');
    assert.deepEqual(await onDisk(), ['box', 'local', 'box', 'box']);
    assert.deepEqual(outcome.report?.skippedByPolicy, ['c2.txt']);
    assert.equal(outcome.report?.filesOverwritten, 3);
    assert.match(outcome.message, /Downloaded 3 files/);
    assert.match(outcome.message, /1 existing kept/);
  });

  test('Skip All keeps every existing file', async () => {
    const outcome = await pullWith(new ScriptedPrompter().on('conflict', value('skipAll')));
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(await onDisk(), ['local', 'local', 'local', 'local']);
    assert.equal(outcome.report?.skippedByPolicy.length, 4);
  });

  test('closing the question cancels the download and changes nothing', async () => {
    const outcome = await pullWith(new ScriptedPrompter().on('conflict', value(undefined)));
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.message, `Download cancelled. Nothing was changed in ${destination()}.`);
    assert.deepEqual(await onDisk(), ['local', 'local', 'local', 'local']);
  });

  test('the skip and overwrite policies decide without asking', async () => {
    await setSetting('conflictPolicy', 'skip');
    const skipped = await pullWith(new ScriptedPrompter());
    assert.equal(skipped.status, 'completed', skipped.message);
    assert.deepEqual(await onDisk(), ['local', 'local', 'local', 'local']);

    await setSetting('conflictPolicy', 'overwrite');
    const overwritten = await pullWith(new ScriptedPrompter());
    assert.equal(overwritten.status, 'completed', overwritten.message);
    assert.deepEqual(await onDisk(), ['box', 'box', 'box', 'box']);
  });

  test('a file open with unsaved changes is never overwritten', async () => {
    await setSetting('conflictPolicy', 'overwrite');
    const dirty = vscode.Uri.file(path.join(destination(), 'c2.txt'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(dirty));
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'unsaved '));
    assert.equal(editor.document.isDirty, true);

    const outcome = await pullWith(new ScriptedPrompter());
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(outcome.report?.protectedFiles, ['c2.txt']);
    assert.deepEqual(await onDisk(), ['box', 'local', 'box', 'box']);
    assert.match(outcome.message, /1 not replaced \(unsaved changes\)/);
    assert.equal(editor.document.getText(), 'unsaved local c2.txt\n', 'the editor keeps its text');
  });
});
