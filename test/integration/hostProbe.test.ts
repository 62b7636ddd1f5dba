// Smoke test of the real-VS-Code test host: proves the tests run inside VS Code's extension host with the
// Box Pull extension loaded as a development extension, and that it activates.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'box-pull.box-pull';

suite('host probe', () => {
  test('runs inside a VS Code extension host', () => {
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    console.log(`[host] VS Code ${vscode.version}, extension host node ${process.version}`);
  });

  test('loads and activates the Box Pull extension', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded as a development extension`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('opens the workspace folder the runner asked for', () => {
    const expected = process.env.BOX_PULL_TEST_WORKSPACE;
    assert.ok(expected, 'BOX_PULL_TEST_WORKSPACE is not set in the extension host');
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.deepEqual(
      folders.map((folder) => folder.uri.fsPath),
      [expected],
    );
  });
});
