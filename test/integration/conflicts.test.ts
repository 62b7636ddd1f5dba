// Existing files: the one conflict list (answered by a scripted prompter), identical files, Compare, the
// policies, dirty editors and the summary that names what was kept.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { ConflictListRequest } from '../../src/vscode/download/conflictList';
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
import { emulatorStats } from './emulator';
import type { EmulatorStats } from '../../src/emulator/options';

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

  /** Answers the one conflict list: runs `inspect` on the request, then replaces `replace`. */
  function answerList(replace: string[], inspect?: (request: ConflictListRequest) => Promise<void> | void) {
    return async (request: unknown) => {
      await inspect?.(request as ConflictListRequest);
      return new Set(replace);
    };
  }

  test('one list of the true conflicts with both sizes and dates; identical files are not asked about', async () => {
    await writeFiles(destination(), { 'c4.txt': 'box c4.txt\n' });
    let listed: ConflictListRequest | undefined;
    const prompter = new ScriptedPrompter().on(
      'conflicts',
      answerList(['c1.txt'], (request) => {
        listed = request;
      }),
    );
    const outcome = await pullWith(prompter);
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(prompter.asked.filter((id) => id === 'conflicts').length, 1, 'asked once, together');
    assert.deepEqual(
      listed?.conflicts.map((c) => [c.relativePath, c.incoming?.size, c.existing?.size]),
      [
        ['c1.txt', 11, 13],
        ['c2.txt', 11, 13],
        ['c3.txt', 11, 13],
      ],
      'c4.txt is identical to Box’s and is not a conflict',
    );
    assert.ok(listed.conflicts.every((c) => c.incoming!.modifiedMs > 0 && c.existing!.modifiedMs > 0));
    assert.deepEqual(await onDisk(), ['box', 'local', 'local', 'box']);
    assert.deepEqual(outcome.report?.alreadyUpToDate, ['c4.txt']);
    assert.deepEqual(outcome.report?.skippedByPolicy, ['c2.txt', 'c3.txt']);
    assert.equal(outcome.report?.filesOverwritten, 1);
    assert.match(
      outcome.message,
      /Downloaded 1 file from .* \(replacing yours\)\. Also: kept yours: c2\.txt, c3\.txt; 1 already up to date\./,
    );
  });

  test('nothing selected keeps every local file, and the summary names them', async () => {
    const outcome = await pullWith(new ScriptedPrompter().on('conflicts', answerList([])));
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(await onDisk(), ['local', 'local', 'local', 'local']);
    assert.equal(outcome.report?.skippedByPolicy.length, 4);
    assert.match(outcome.message, /Downloaded 0 files .*kept yours: c1\.txt, c2\.txt, c3\.txt and 1 more\./);
  });

  test('Compare opens the diff editor: the local file against Box’s copy, read-only', async () => {
    let input: unknown;
    let boxText = '';
    const compare = answerList([], async (request) => {
      await request.compare(request.conflicts[0]);
      input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (input instanceof vscode.TabInputTextDiff)
        boxText = (await vscode.workspace.openTextDocument(input.modified)).getText();
    });
    const outcome = await pullWith(new ScriptedPrompter().on('conflicts', compare));
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.ok(input instanceof vscode.TabInputTextDiff, `the active tab is a diff: ${String(input)}`);
    assert.equal(input.original.fsPath, path.join(destination(), 'c1.txt'));
    assert.notEqual(input.modified.scheme, 'file', 'Box’s side is read-only (not a file on disk)');
    assert.equal(boxText, 'box c1.txt\n');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('closing the question cancels the download and changes nothing', async () => {
    const outcome = await pullWith(new ScriptedPrompter().on('conflicts', value(undefined)));
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.message, `Download cancelled. Nothing was changed in ${destination()}.`);
    assert.deepEqual(await onDisk(), ['local', 'local', 'local', 'local']);
  });

  test('a listed pull asks before the download: Keep mine is never downloaded, and Compare fetches Box’s copy', async () => {
    // A filter makes the pull list the folder first: its conflicts are known before a byte is downloaded.
    await setSetting('exclude', ['*.skip']);
    await writeFiles(destination(), {
      'c2.txt': 'box c2.txt\n',
      'c3.txt': 'box c3.txt\n',
      'c4.txt': 'box c4.txt\n',
    });
    const before = await emulatorStats();
    let listed: ConflictListRequest | undefined;
    let atQuestion: EmulatorStats | undefined;
    let diff: unknown;
    let boxText = '';
    let afterCompare: EmulatorStats | undefined;
    const keepMine = answerList([], async (request) => {
      listed = request;
      atQuestion = await emulatorStats();
      await request.compare(request.conflicts[0]);
      diff = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (diff instanceof vscode.TabInputTextDiff)
        boxText = (await vscode.workspace.openTextDocument(diff.modified)).getText();
      afterCompare = await emulatorStats();
    });
    try {
      const outcome = await pullWith(new ScriptedPrompter().on('conflicts', keepMine));
      assert.equal(outcome.status, 'completed', outcome.message);
      assert.deepEqual(
        listed?.conflicts.map((c) => [c.relativePath, c.incoming?.size, c.existing?.size, c.incomingPath]),
        [['c1.txt', 11, 13, undefined]],
        'one true conflict, asked with no staged copy',
      );
      assert.ok(listed.conflicts[0].incoming!.modifiedMs > 0 && listed.conflicts[0].existing!.modifiedMs > 0);
      assert.equal(atQuestion?.zipCreates, before.zipCreates, 'asked before any ZIP');
      assert.equal(atQuestion?.fileContentDownloads, before.fileContentDownloads, 'and before any content');
      // Compare: the diff editor, the local file against Box's version fetched by content for that one file.
      assert.ok(diff instanceof vscode.TabInputTextDiff, `the active tab is a diff: ${String(diff)}`);
      assert.equal(diff.original.fsPath, path.join(destination(), 'c1.txt'));
      assert.equal(diff.modified.scheme, 'box-pull', 'Box’s side is read-only, served from Box');
      assert.equal(boxText, 'box c1.txt\n');
      assert.equal(afterCompare!.fileContentDownloads, before.fileContentDownloads + 1);
      // Keep mine: the file was never downloaded by the pull (the others are identical: nothing to download).
      const after = await emulatorStats();
      assert.equal(after.zipCreates, before.zipCreates);
      assert.equal(after.fileContentDownloads, afterCompare!.fileContentDownloads);
      assert.deepEqual(await onDisk(), ['local', 'box', 'box', 'box']);
      assert.deepEqual(outcome.report?.skippedByPolicy, ['c1.txt']);
      assert.deepEqual(outcome.report?.alreadyUpToDate, ['c2.txt', 'c3.txt', 'c4.txt']);
    } finally {
      await setSetting('exclude', undefined);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
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
    assert.match(outcome.message, /not replaced \(unsaved changes\): c2\.txt/);
    assert.equal(editor.document.getText(), 'unsaved local c2.txt\n', 'the editor keeps its text');
  });
});
