// Opening a Box file from the tree: read-only, byte-exact, cached by version, images in the image preview, and
// failures in one human line. The emulator's counters (through the test host's control endpoint) show when the
// content was fetched from Box.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { OpenOutcome } from '../../src/vscode/open/fileOpener';
import { emulatorStats } from './emulator';
import {
  env,
  findRow,
  getApi,
  makeBoxFolder,
  refreshTree,
  remove,
  ScriptedPrompter,
  value,
  withPrompter,
  type Row,
} from './helpers';

const FOLDER = 'it-open';
const NOTES = '# Notes\n\nBox Pull opened this — ünïcödé, tabs\tand all.\n';
/** A 1×1 PNG. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

suite('Open a Box file', () => {
  let api: BoxPullTestApi;
  let folder: Row;

  suiteSetup(async () => {
    api = await getApi();
    await makeBoxFolder(FOLDER, {
      'notes.md': NOTES,
      'pixel.png': PIXEL,
      'cached.txt': 'version one\n',
      'gone.txt': 'soon gone\n',
      'large.log': 'x'.repeat(4096),
    });
    await refreshTree();
    folder = await findRow(api, FOLDER);
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  suiteTeardown(async () => {
    await remove(path.join(env.testRoot, FOLDER));
    await refreshTree();
  });

  /** Clicks the file's row: runs the command its tree item carries, as VS Code does. */
  async function click(name: string): Promise<OpenOutcome> {
    const row = await findRow(api, name, folder.node);
    const command = row.item.command;
    assert.ok(command, `the row "${name}" has no click command`);
    const outcome = await vscode.commands.executeCommand<OpenOutcome>(
      command.command,
      ...(command.arguments ?? []),
    );
    assert.ok(outcome, 'the command returned no outcome');
    return outcome;
  }

  async function contentDownloads(): Promise<number> {
    return (await emulatorStats()).fileContentDownloads;
  }

  test('a click opens a text file read-only with its exact bytes, outside the workspace', async () => {
    const outcome = await click('notes.md');
    assert.equal(outcome.status, 'opened', JSON.stringify(outcome));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'a text editor is active');
    const { document } = editor;
    assert.equal(document.uri.scheme, 'box-pull');
    assert.equal(document.uri.path, `/${FOLDER}/notes.md`, 'the path is where the file is on Box');
    assert.equal(document.languageId, 'markdown');
    assert.equal(document.getText(), NOTES);
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(document.uri)), Buffer.from(NOTES));
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab?.label, 'notes.md');

    // Read-only: the file system says so (editors then refuse typing; the UI test types) and refuses a write.
    assert.equal(vscode.workspace.fs.isWritableFileSystem('box-pull'), false);
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.writeFile(document.uri, Buffer.from('x'))),
      (error: unknown) => error instanceof vscode.FileSystemError && error.code === 'NoPermissions',
    );
    assert.equal(document.getText(), NOTES);
    assert.deepEqual(await fs.readdir(env.workspace).then((names) => names.includes('notes.md')), false);
  });

  test('an image opens in the image preview', async () => {
    const outcome = await click('pixel.png');
    assert.equal(outcome.status, 'opened', JSON.stringify(outcome));
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputCustom, `the active tab is a custom editor: ${String(input)}`);
    assert.equal(input.viewType, 'imagePreview.previewEditor');
    assert.equal(input.uri.scheme, 'box-pull');
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(input.uri)), PIXEL);
  });

  test('a second open is served from the cache; a file changed on Box is fetched again', async () => {
    const before = await contentDownloads();
    assert.equal((await click('cached.txt')).status, 'opened');
    assert.equal(await contentDownloads(), before + 1, 'the first open fetches the content');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    assert.equal((await click('cached.txt')).status, 'opened');
    assert.equal(await contentDownloads(), before + 1, 'the second open fetches nothing');
    assert.equal(vscode.window.activeTextEditor?.document.getText(), 'version one\n');

    await fs.writeFile(path.join(env.testRoot, FOLDER, 'cached.txt'), 'version two, longer\n');
    assert.equal((await click('cached.txt')).status, 'opened');
    assert.equal(await contentDownloads(), before + 2, 'the changed file is fetched again');
    assert.equal(vscode.window.activeTextEditor?.document.getText(), 'version two, longer\n');
  });

  test('a file that is gone from Box gives one human line, not the raw answer', async () => {
    await fs.rm(path.join(env.testRoot, FOLDER, 'gone.txt'));
    const outcome = await click('gone.txt');
    assert.equal(outcome.status, 'failed');
    const { message } = outcome as { message: string };
    assert.match(message, /gone\.txt: This file no longer exists on Box, or you lost access to it\./);
    assert.doesNotMatch(message, /\n|not_found|2\.0\/files/);
    assert.equal(vscode.window.activeTextEditor, undefined, 'no editor opened');
  });

  test('a file over the size limit asks first; No downloads nothing', async () => {
    const before = await contentDownloads();
    api.openFile.setConfirmAboveBytes(1024);
    try {
      const prompter = new ScriptedPrompter().on('openLargeFile', value(false));
      const outcome = await withPrompter(api, prompter, () => click('large.log'));
      assert.equal(outcome.status, 'declined');
      assert.equal(await contentDownloads(), before);
      assert.equal(vscode.window.activeTextEditor, undefined);
    } finally {
      api.openFile.setConfirmAboveBytes(50 * 1024 * 1024);
    }
  });

  test('a tab whose bytes are not cached (restored after a reload) reads them from Box again', async () => {
    const { node } = await findRow(api, 'notes.md', folder.node);
    assert.ok(node.kind === 'file');
    const restored = vscode.Uri.from({
      scheme: 'box-pull',
      path: `/${FOLDER}/notes.md`,
      query: `id=${node.item.id}&v=not-cached&size=1&mtime=0`,
    });
    const before = await contentDownloads();
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(restored)), Buffer.from(NOTES));
    assert.equal(await contentDownloads(), before + 1);

    const gone = restored.with({ query: 'id=999999999&v=x&size=1&mtime=0' });
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.readFile(gone)),
      (error: unknown) =>
        error instanceof vscode.FileSystemError &&
        error.code === 'Unavailable' &&
        error.message.includes('This file no longer exists on Box, or you lost access to it.'),
    );
  });
});
