// Shared links in the real VS Code host: a link pasted into "Box: Download Folder…" is resolved, browsed and pulled,
// by ZIP or, when Box refuses to zip link-only items, file by file (a link to one file too); a password-protected
// link asks for its password.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { DownloadOutcome } from '../../src/vscode/download/downloadRunner';
import type { ConflictListRequest } from '../../src/vscode/download/conflictList';
import type { InputRequest, PickRequest } from '../../src/vscode/prompter';
import { diffTrees } from '../helpers/compareTrees';
import { resetFaults, setFaults, setSharedLinks } from './emulator';
import {
  destinationFolder,
  env,
  getApi,
  logOnceItHas,
  makeBoxFolder,
  pickWhere,
  remove,
  ScriptedPrompter,
  withPrompter,
  writeFiles,
} from './helpers';

/** The picker's answer for text pasted into it: the row the text makes (asserted to be "Open shared link"). */
const paste = (text: string) => (request: unknown) => {
  const typed = (request as PickRequest<unknown>).itemsForValue!(text);
  assert.equal(typed[0]?.label, 'Open shared link');
  return typed[0].value;
};
const downloadThisFolder = pickWhere<{ kind: string }>((item) => item.value?.kind === 'download');

suite('Shared links', () => {
  let api: BoxPullTestApi;
  const cleanup: string[] = [];

  suiteSetup(async () => {
    api = await getApi();
  });

  teardown(async () => {
    await resetFaults();
    await setSharedLinks([]);
    await remove(...cleanup.splice(0));
  });

  test('a pasted shared link is browsed and pulled, file by file when Box will not zip it', async () => {
    const made = await makeBoxFolder('it-shared', { 'a.txt': 'shared a', 'docs/b.md': '# b' });
    const destination = path.join(env.workspace, 'it-shared');
    cleanup.push(made, destination);
    await setSharedLinks([{ path: 'it-shared', hash: 'itshared1', vanityName: 'it-team' }]);
    await setFaults({ zipRefusesLinkOnly: true });
    let listed: string[] = [];
    const prompter = new ScriptedPrompter()
      .on('boxFolder', paste('https://acme.app.box.com/v/it-team'))
      .on('boxFolder', async (request) => {
        // Browsing inside the link: its subfolder is listed through the link.
        listed = (await (request as PickRequest<unknown>).items).map((item) => item.label);
        return downloadThisFolder(request);
      })
      .on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () =>
      vscode.commands.executeCommand<DownloadOutcome>('boxPull.downloadFolder'),
    );
    assert.equal(outcome?.status, 'completed', outcome?.message);
    assert.ok(listed.includes('docs'), listed.join(' | '));
    assert.deepEqual(await diffTrees(made, destination), []);
    assert.ok(
      outcome.report?.plan?.parts.every((part) => part.byContent),
      'downloaded by file content',
    );
  });

  test('a pasted link to one file Box will not zip is pulled by its content, SHA-1 checked', async () => {
    const made = await makeBoxFolder('it-shared-file', { 'linked-notes.txt': 'one file behind a link' });
    const placed = path.join(env.workspace, 'linked-notes.txt');
    cleanup.push(made, placed);
    await setSharedLinks([{ path: 'it-shared-file/linked-notes.txt', hash: 'itfile1' }]);
    await setFaults({ zipRefusesLinkOnly: true });
    const prompter = new ScriptedPrompter()
      .on('boxFolder', paste('https://app.box.com/s/itfile1'))
      .on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () =>
      vscode.commands.executeCommand<DownloadOutcome>('boxPull.downloadFolder'),
    );
    assert.equal(outcome?.status, 'completed', outcome?.message);
    assert.equal(await fs.readFile(placed, 'utf8'), 'one file behind a link');
    assert.deepEqual(
      outcome.report?.plan?.parts.map((part) => part.byContent),
      [true],
      'downloaded by its content',
    );
  });

  test('Compare before the download reads Box’s copy through the link, which the signed-in user cannot see', async () => {
    const made = await makeBoxFolder('it-shared-cmp', { 'c.txt': 'box c\n', 'same.txt': 'same\n' });
    const destination = path.join(env.workspace, 'it-shared-cmp');
    cleanup.push(made, destination);
    await writeFiles(destination, { 'c.txt': 'local c\n', 'same.txt': 'same\n' });
    await setSharedLinks([{ path: 'it-shared-cmp', hash: 'itsharedcmp1' }]);
    await setFaults({ zipRefusesLinkOnly: true });
    let asked: ConflictListRequest | undefined;
    let boxText = '';
    const prompter = new ScriptedPrompter()
      .on('boxFolder', paste('https://app.box.com/s/itsharedcmp1'))
      .on('boxFolder', downloadThisFolder)
      .on('destination', destinationFolder(env.workspace))
      .on('conflicts', async (request) => {
        asked = request as ConflictListRequest;
        await asked.compare(asked.conflicts[0]);
        const diff = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        assert.ok(diff instanceof vscode.TabInputTextDiff, `the active tab is a diff: ${String(diff)}`);
        assert.equal(diff.modified.scheme, 'box-pull-staged', 'Box’s side is read-only');
        boxText = (await vscode.workspace.openTextDocument(diff.modified)).getText();
        return new Set<string>();
      });
    try {
      const outcome = await withPrompter(api, prompter, () =>
        vscode.commands.executeCommand<DownloadOutcome>('boxPull.downloadFolder'),
      );
      assert.equal(outcome?.status, 'completed', outcome?.message);
      assert.deepEqual(
        asked?.conflicts.map((c) => [c.relativePath, c.incomingPath]),
        [['c.txt', undefined]],
        'asked before the download',
      );
      assert.equal(boxText, 'box c\n', 'Box’s side of the diff, fetched through the link');
      assert.equal(await fs.readFile(path.join(destination, 'c.txt'), 'utf8'), 'local c\n', 'Keep mine');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('a password-protected link asks for the password, again when it is wrong, then pulls', async () => {
    const made = await makeBoxFolder('it-locked', { 'secret.txt': 'locked away' });
    const destination = path.join(env.workspace, 'it-locked');
    cleanup.push(made, destination);
    await setSharedLinks([{ path: 'it-locked', hash: 'itlocked1', password: 'hunter2&co' }]);
    const prompts: string[] = [];
    const answer = (password: string) => (request: unknown) => {
      const input = request as InputRequest;
      assert.equal(input.password, true, 'typed into a password box');
      prompts.push(input.prompt ?? '');
      return password;
    };
    const prompter = new ScriptedPrompter()
      .on('boxFolder', paste('https://app.box.com/s/itlocked1'))
      .on('sharedLinkPassword', answer('wrong'), answer('hunter2&co'))
      .on('boxFolder', downloadThisFolder)
      .on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () =>
      vscode.commands.executeCommand<DownloadOutcome>('boxPull.downloadFolder'),
    );
    assert.equal(outcome?.status, 'completed', outcome?.message);
    assert.equal(await fs.readFile(path.join(destination, 'secret.txt'), 'utf8'), 'locked away');
    assert.equal(prompts.length, 2);
    assert.match(prompts[1], /not right/);
    const log = await logOnceItHas(api, /Download finished/);
    assert.match(log, /\(shared link\)/);
    assert.ok(!log.includes('hunter2'), 'the password never reaches the log');
  });
});
