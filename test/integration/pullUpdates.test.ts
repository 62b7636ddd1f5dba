// Pull updates (#13, VS Code) and the Explorer badge (#14) in the real VS Code host: a pulled folder is offered
// Box: Pull Updates (the context key its Explorer menu tests) and carries a "B" badge naming its Box folder; an
// update with nothing changed makes no ZIP and downloads no content and says "Up to date"; after changes on the
// emulator only the changed and new files are downloaded, a local edit is kept, a file deleted on Box goes to the
// trash only after one question and only when unedited, a folder renamed on Box is moved here without a download
// and reads as one folder move (its old folder kept, and said, when it holds an edit), a file renamed and changed
// on Box is moved and updated (its old copy removed, no question), and the summary counts each.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { DownloadOutcome } from '../../src/vscode/download/downloadRunner';
import type { ConfirmRequest } from '../../src/vscode/prompter';
import { emulatorStats, renameOnBox } from './emulator';
import {
  destinationFolder,
  download,
  env,
  EXTENSION_ID,
  exists,
  findRow,
  getApi,
  makeBoxFolder,
  pickWhere,
  readText,
  refreshTree,
  remove,
  ScriptedPrompter,
  withPrompter,
  writeFiles,
} from './helpers';

const FOLDER = 'it-pull-updates';

const BOX_FILES: Record<string, string> = {
  'a.txt': 'a, first\n',
  'b.txt': 'b, first\n',
  'docs/c.md': '# c, first\n',
  'docs/edited-here.md': 'edited here, first\n',
  'gone.txt': 'deleted on Box, unedited here\n',
  'gone-edited.txt': 'deleted on Box, edited here\n',
  'same.txt': 'never changes\n',
};

async function pullUpdates(api: BoxPullTestApi, prompter: ScriptedPrompter, folder?: vscode.Uri) {
  const outcome = await withPrompter(api, prompter, () =>
    vscode.commands.executeCommand<DownloadOutcome | undefined>('boxPull.pullUpdates', folder),
  );
  assert.ok(outcome, 'Pull Updates returned nothing');
  assert.equal(outcome.status, 'completed', outcome.message);
  return outcome;
}

suite('Pull updates in VS Code', () => {
  let api: BoxPullTestApi;
  const source = path.join(env.testRoot, FOLDER);
  const destination = path.join(env.workspace, FOLDER);
  const folderUri = vscode.Uri.file(destination);

  suiteSetup(async () => {
    api = await getApi();
  });

  setup(async () => {
    await remove(destination);
    await makeBoxFolder(FOLDER, BOX_FILES);
    await refreshTree();
    const row = await findRow(api, FOLDER);
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () => download(row.node));
    assert.equal(outcome.status, 'completed', outcome.message);
    // The full pull's message tells of Pull Updates (its button waits in the notification centre).
    assert.match(outcome.message, /Later, Pull Updates brings only what changed\.$/);
  });

  teardown(async () => {
    await remove(destination);
    await api.pulledFolders.refresh();
  });

  suiteTeardown(async () => {
    await remove(source);
  });

  test('a pulled folder gets Pull Updates in its Explorer menu and a badge that names its Box folder', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { menus: Record<string, { command: string; when?: string }[]> };
    };
    const entry = manifest.contributes.menus['explorer/context'].find(
      (m) => m.command === 'boxPull.pullUpdates',
    );
    assert.ok(entry?.when?.includes('resourcePath in boxPull.pulledFolders'), JSON.stringify(entry));
    assert.ok(api.pulledFolders.list().includes(destination), JSON.stringify(api.pulledFolders.list()));
    assert.ok(!api.pulledFolders.list().includes(env.workspace), 'the workspace itself was not pulled');

    const badge = api.pulledFolders.decoration(folderUri);
    assert.equal(badge?.badge, 'B');
    assert.match(badge?.tooltip ?? '', new RegExp(`^Pulled from Box: ${FOLDER} \\(id \\d+\\), last pull .+`));
    assert.equal(api.pulledFolders.decoration(vscode.Uri.file(path.join(destination, 'a.txt'))), undefined);

    // The state file gone, the folder is no longer a pulled one: no menu, no badge.
    await fs.rm(path.join(destination, '.box-pull.json'));
    await api.pulledFolders.refresh();
    assert.ok(!api.pulledFolders.list().includes(destination));
    assert.equal(api.pulledFolders.decoration(folderUri), undefined);
  });

  test('nothing changed on Box: no ZIP, no content download, "Up to date" (from the palette)', async () => {
    const before = await emulatorStats();
    const prompter = new ScriptedPrompter();
    // The palette picks among the workspace's pulled folders; with one it asks nothing.
    if (api.pulledFolders.list().length > 1)
      prompter.on(
        'pulledFolder',
        pickWhere<{ path: string }>((item) => item.value?.path === destination),
      );
    const outcome = await pullUpdates(api, prompter);
    const after = await emulatorStats();
    assert.match(
      outcome.message,
      /^Up to date — nothing changed on Box since the last pull of “it-pull-updates”\.$/,
    );
    assert.equal(after.zipCreates, before.zipCreates, 'a ZIP was created');
    assert.equal(after.fileContentDownloads, before.fileContentDownloads, 'content was downloaded');
    assert.equal(outcome.report?.update?.unchanged, Object.keys(BOX_FILES).length);
  });

  test('only what changed is downloaded, a local edit is kept, an unedited Box deletion goes only after one question', async () => {
    await writeFiles(source, {
      'a.txt': 'a, second and longer\n',
      'docs/c.md': '# c, second\n\nmore\n',
      'new.txt': 'new\n',
    });
    await fs.rm(path.join(source, 'gone.txt'));
    await fs.rm(path.join(source, 'gone-edited.txt'));
    await writeFiles(destination, {
      'docs/edited-here.md': 'my edit\n',
      'gone-edited.txt': 'my edit of a deleted file\n',
    });

    const questions: ConfirmRequest[] = [];
    const prompter = new ScriptedPrompter().on('deletedOnBox', (request) => {
      questions.push(request as ConfirmRequest);
      return true;
    });
    const before = await emulatorStats();
    const outcome = await pullUpdates(api, prompter, folderUri);
    const after = await emulatorStats();

    assert.equal(after.zipCreates, before.zipCreates, 'three files go by content, not as a ZIP');
    assert.equal(after.fileContentDownloads - before.fileContentDownloads, 3, 'a.txt, docs/c.md and new.txt');
    assert.equal(await readText(path.join(destination, 'a.txt')), 'a, second and longer\n');
    assert.equal(await readText(path.join(destination, 'docs/c.md')), '# c, second\n\nmore\n');
    assert.equal(await readText(path.join(destination, 'new.txt')), 'new\n');
    assert.equal(await readText(path.join(destination, 'docs/edited-here.md')), 'my edit\n');
    assert.equal(await readText(path.join(destination, 'gone-edited.txt')), 'my edit of a deleted file\n');
    assert.equal(await exists(path.join(destination, 'gone.txt')), false, 'the unedited deletion is gone');

    // One question, naming only the unedited file. code-server's files are on its server, which has no trash: the
    // question says Delete (a desktop window's says Move to Trash).
    assert.equal(questions.length, 1);
    const trash = vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined;
    assert.equal(
      questions[0].message,
      `1 file was deleted on Box and is unchanged here. ${trash ? 'Move it to the trash' : 'Delete it'}?`,
    );
    assert.match(questions[0].detail ?? '', /^gone\.txt\n\n/);
    assert.equal(
      outcome.message,
      `Pulled updates of “${FOLDER}”: 2 updated, 1 new, 1 deleted on Box (${trash ? 'moved to the trash' : 'removed'}), ` +
        '1 deleted on Box (kept), 1 edited here (kept).',
    );
  });

  test('a folder renamed on Box is moved here: no ZIP, no content download, one folder move', async () => {
    // The first update records Box's file ids (a one-ZIP pull has none); Box keeps them across a rename.
    await pullUpdates(api, new ScriptedPrompter(), folderUri);
    await renameOnBox(`${FOLDER}/docs`, `${FOLDER}/manuals`);
    const before = await emulatorStats();
    const outcome = await pullUpdates(api, new ScriptedPrompter(), folderUri);
    const after = await emulatorStats();
    assert.equal(after.zipCreates, before.zipCreates, 'a ZIP was created');
    assert.equal(after.fileContentDownloads, before.fileContentDownloads, 'content was downloaded');
    assert.equal(outcome.report?.bytesDownloaded, 0);
    assert.equal(await readText(path.join(destination, 'manuals/c.md')), BOX_FILES['docs/c.md']);
    assert.equal(
      await readText(path.join(destination, 'manuals/edited-here.md')),
      BOX_FILES['docs/edited-here.md'],
    );
    assert.equal(await exists(path.join(destination, 'docs')), false, 'the emptied old folder is gone');
    // The rename reads as what it is: one folder moved, not its files moved, a folder made and one deleted on Box.
    assert.equal(outcome.message, `Pulled updates of “${FOLDER}”: folder docs moved to manuals (2 files).`);
    assert.deepEqual(
      outcome.report?.update?.folderMoves.map(({ from, to, files, kept }) => ({ from, to, files, kept })),
      [{ from: 'docs', to: 'manuals', files: 2, kept: false }],
    );
  });

  test('a folder renamed on Box with a file edited here: the edit and its folder stay, and the summary says so', async () => {
    await pullUpdates(api, new ScriptedPrompter(), folderUri);
    await writeFiles(destination, { 'docs/edited-here.md': 'my edit\n' });
    await renameOnBox(`${FOLDER}/docs`, `${FOLDER}/manuals`);
    const before = await emulatorStats();
    const outcome = await pullUpdates(api, new ScriptedPrompter(), folderUri);
    const after = await emulatorStats();
    assert.equal(
      after.fileContentDownloads - before.fileContentDownloads,
      1,
      "only Box's copy of the edited file",
    );
    assert.equal(await readText(path.join(destination, 'docs/edited-here.md')), 'my edit\n');
    assert.equal(
      await readText(path.join(destination, 'manuals/edited-here.md')),
      BOX_FILES['docs/edited-here.md'],
    );
    assert.equal(await readText(path.join(destination, 'manuals/c.md')), BOX_FILES['docs/c.md']);
    assert.equal(await exists(path.join(destination, 'docs/c.md')), false);
    assert.equal(
      outcome.message,
      `Pulled updates of “${FOLDER}”: folder docs moved to manuals (2 files), ` +
        'old folder docs kept (it still holds files), 1 edited here (kept).',
    );
  });

  test('a file renamed and changed on Box, unedited here: moved and updated, no stale copy, no question', async () => {
    await pullUpdates(api, new ScriptedPrompter(), folderUri); // records Box's ids, kept across a rename
    await renameOnBox(`${FOLDER}/b.txt`, `${FOLDER}/b-renamed.txt`);
    await writeFiles(source, { 'b-renamed.txt': 'b, renamed and changed on Box\n' });
    const outcome = await pullUpdates(api, new ScriptedPrompter(), folderUri);
    assert.equal(await readText(path.join(destination, 'b-renamed.txt')), 'b, renamed and changed on Box\n');
    assert.equal(
      await exists(path.join(destination, 'b.txt')),
      false,
      'the old copy is gone, not kept as deleted',
    );
    assert.equal(outcome.message, `Pulled updates of “${FOLDER}”: 1 moved and updated.`);
  });

  test('a file renamed and changed on Box whose new path is open with unsaved changes: both stay, and the message says why', async () => {
    await pullUpdates(api, new ScriptedPrompter(), folderUri); // records Box's ids, kept across a rename
    await renameOnBox(`${FOLDER}/b.txt`, `${FOLDER}/b-renamed.txt`);
    await writeFiles(source, { 'b-renamed.txt': 'b, renamed and changed on Box\n' });
    // An editor holds unsaved text for the new path, whose file is not on disk: the plan sees nothing there, the
    // placing must not replace what the editor holds.
    const target = path.join(destination, 'b-renamed.txt');
    await writeFiles(destination, { 'b-renamed.txt': 'mine\n' });
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
    try {
      await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'unsaved '));
      await fs.rm(target);
      assert.equal(editor.document.isDirty, true);
      const outcome = await pullUpdates(api, new ScriptedPrompter(), folderUri);
      assert.equal(
        await readText(path.join(destination, 'b.txt')),
        BOX_FILES['b.txt'],
        'the old copy is kept',
      );
      assert.equal(await exists(target), false, "Box's copy was not written under the unsaved editor");
      assert.equal(editor.document.getText(), 'unsaved mine\n', 'the editor keeps its text');
      assert.equal(
        outcome.message,
        `Pulled updates of “${FOLDER}”: b.txt kept (moved on Box to b-renamed.txt: it is open there with unsaved ` +
          'changes). Also: not replaced (unsaved changes): b-renamed.txt.',
      );
      assert.deepEqual(outcome.report?.update?.movesKept, [
        { from: 'b.txt', to: 'b-renamed.txt', why: 'unsaved' },
      ]);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    // The editor closed, the next update tries again: moved and updated.
    const again = await pullUpdates(api, new ScriptedPrompter(), folderUri);
    assert.equal(await readText(target), 'b, renamed and changed on Box\n');
    assert.equal(await exists(path.join(destination, 'b.txt')), false);
    assert.equal(again.message, `Pulled updates of “${FOLDER}”: 1 moved and updated.`);
  });

  test('a user who keeps the files deleted on Box keeps them all', async () => {
    await fs.rm(path.join(source, 'gone.txt'));
    const prompter = new ScriptedPrompter().on('deletedOnBox', () => false);
    const outcome = await pullUpdates(api, prompter, folderUri);
    assert.equal(await readText(path.join(destination, 'gone.txt')), BOX_FILES['gone.txt']);
    assert.equal(outcome.message, `Pulled updates of “${FOLDER}”: 1 deleted on Box (kept).`);
  });
});
