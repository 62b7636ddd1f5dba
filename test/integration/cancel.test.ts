// Cancelling a running download through the command (what the notification's Cancel and the status bar's details
// do too): the pull stops and the destination is left as it was.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
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
  ScriptedPrompter,
  withPrompter,
} from './helpers';

suite('Cancel', () => {
  let api: BoxPullTestApi;

  suiteSetup(async () => {
    api = await getApi();
  });

  test('Cancel Downloads stops a running download and writes nothing', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) files[`blob-${i}.bin`] = Buffer.alloc(256 * 1024, i);
    const source = await makeBoxFolder('it-cancel', files);
    const destination = path.join(env.workspace, 'it-cancel');
    await refreshTree();
    const row = await findRow(api, 'it-cancel');

    // Cancel as soon as the first progress event arrives: deterministic whatever the machine's speed, because the
    // pipeline checks the signal before every network call and in every loop.
    let cancelled: Promise<unknown> | undefined;
    const watcher = api.downloads.onDidChange(() => {
      if (!cancelled && api.downloads.list().some((d) => d.progress)) {
        cancelled = Promise.resolve(vscode.commands.executeCommand('boxPull.cancelDownloads'));
      }
    });
    try {
      const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
      const outcome = await withPrompter(api, prompter, () => download(row.node));
      assert.ok(cancelled, 'progress was reported');
      assert.equal(await cancelled, 1, 'one download was running');
      assert.equal(outcome.status, 'cancelled', outcome.message);
      assert.equal(outcome.message, `Download cancelled. Nothing was changed in ${destination}.`);
      assert.equal(await exists(destination), false, 'no destination folder left behind');
      assert.deepEqual(api.downloads.list(), []);
      assert.equal(api.downloads.statusBarText(), undefined);
    } finally {
      watcher.dispose();
      await remove(source, destination);
    }
  });

  test('the status bar details offer Cancel All', async () => {
    const source = await makeBoxFolder('it-cancel-details', { 'a.bin': Buffer.alloc(64 * 1024, 1) });
    const destination = path.join(env.workspace, 'it-cancel-details');
    await refreshTree();
    const row = await findRow(api, 'it-cancel-details');
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace)).on(
      'downloadDetails',
      pickWhere<{ kind: string; label?: string }>((item) => {
        // The details list each running download, then "Cancel All Downloads".
        if (item.value?.kind === 'one') assert.equal(item.value.label, 'it-cancel-details');
        return item.value?.kind === 'all';
      }),
    );
    let details: Thenable<unknown> | undefined;
    const watcher = api.downloads.onDidChange(() => {
      if (!details && api.downloads.list().some((d) => d.progress)) {
        details = vscode.commands.executeCommand('boxPull.showDownloadDetails');
      }
    });
    try {
      const outcome = await withPrompter(api, prompter, async () => {
        const result = await download(row.node);
        await details;
        return result;
      });
      assert.equal(outcome.status, 'cancelled', outcome.message);
      assert.equal(await exists(destination), false);
    } finally {
      watcher.dispose();
      await remove(source, destination);
    }
  });

  test('Cancel Downloads with nothing running does nothing', async () => {
    assert.equal(await vscode.commands.executeCommand('boxPull.cancelDownloads'), 0);
  });
});
