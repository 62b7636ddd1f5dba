// Cancelling a running download, from each entry point the extension host can drive (the Cancel Downloads command,
// and the status bar item's command, which opens the details pick), in each phase of the pull. Every entry point
// goes through the one cancel path (src/vscode/download/cancelDownloads.ts); the notification's Cancel button,
// which only the workbench can press, is clicked for real in test/ui/cancel.test.ts.
//
// The cancel is issued from the progress listener the moment the phase is reported, so it lands in that phase
// whatever the machine's speed: a command registered in this extension host runs synchronously up to its first
// `await`, and the details pick is answered from already-resolved promises.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PullPhase } from '../../src/core/pull/progress';
import type { BoxPullTestApi } from '../../src/vscode/api';
import { resetFaults, setFaults } from './emulator';
import {
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  logOnceItHas,
  makeBoxFolder,
  pickWhere,
  prefilledDestination,
  refreshTree,
  remove,
  ScriptedPrompter,
  withPrompter,
} from './helpers';

const FOLDER = 'it-cancel';
const STAGING_PREFIX = '.box-pull-staging-';

type EntryPoint = (prompter: ScriptedPrompter) => Thenable<unknown>;

const ENTRY_POINTS: Record<string, EntryPoint> = {
  'the Cancel Downloads command': () => vscode.commands.executeCommand('boxPull.cancelDownloads'),
  // What a click on the status bar item runs; picking the download cancels it at once, without a confirmation.
  'the status bar details': (prompter) => {
    prompter.on(
      'downloadDetails',
      pickWhere<{ kind: string; label?: string }>((item) => item.value?.kind === 'one'),
    );
    return vscode.commands.executeCommand('boxPull.showDownloadDetails');
  },
};

/** When to cancel: the first progress event of the phase (downloading: once files are arriving in staging). */
const PHASES: Record<Exclude<PullPhase, 'preparing' | 'done'>, (p: { filesDone: number }) => boolean> = {
  downloading: (progress) => progress.filesDone >= 2,
  extracting: () => true,
  placing: () => true,
};

suite('Cancel', () => {
  let api: BoxPullTestApi;
  // A destination with the user's own files, one of them named like a Box file: a cancel must leave all as is.
  let target: ReturnType<typeof prefilledDestination>;
  const destination = () => target.path;

  suiteSetup(async () => {
    api = await getApi();
    // Incompressible, so a rate cap on the ZIP stream holds the download phase for a while.
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) files[`blob-${String(i).padStart(2, '0')}.bin`] = randomBytes(48 * 1024);
    await makeBoxFolder(FOLDER, files);
    await refreshTree();
    target = prefilledDestination(FOLDER, { 'notes.txt': 'my notes\n', 'blob-03.bin': 'my local blob\n' });
  });

  setup(() => target.prepare());

  teardown(async () => {
    await resetFaults();
    await remove(destination());
  });

  suiteTeardown(async () => {
    await remove(path.join(env.testRoot, FOLDER));
    await target.dispose();
  });

  for (const [phase, ready] of Object.entries(PHASES)) {
    for (const [entryName, cancelFrom] of Object.entries(ENTRY_POINTS)) {
      test(`${entryName} while ${phase}: stops at once, the destination stays exactly as it was`, async () => {
        // 48 KB files at 128 KB/s: the stream lasts seconds, the cancel comes after the second file.
        if (phase === 'downloading') await setFaults({ bytesPerSecond: 128 * 1024 });
        const row = await findRow(api, FOLDER);
        const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
        let cancelled: Thenable<unknown> | undefined;
        let stagingAtCancel: string[] = [];
        const watcher = api.downloads.onDidChange(() => {
          const progress = api.downloads.list()[0]?.progress;
          if (cancelled || progress?.phase !== phase || !ready(progress)) return;
          stagingAtCancel = fs.readdirSync(destination()).filter((name) => name.startsWith(STAGING_PREFIX));
          cancelled = cancelFrom(prompter);
        });
        try {
          const outcome = await withPrompter(api, prompter, () => download(row.node));
          assert.ok(cancelled, `the pull never reported the ${phase} phase`);
          assert.equal(await cancelled, 1, 'one download was stopped');
          assert.equal(outcome.status, 'cancelled', outcome.message);
          assert.equal(outcome.message, `Download cancelled. Nothing was changed in ${destination()}.`);
        } finally {
          watcher.dispose();
        }
        assert.equal(stagingAtCancel.length, 1, 'the pull was staging files when it was cancelled');
        await target.assertUnchanged();
        assert.deepEqual(api.downloads.list(), []);
        assert.equal(api.downloads.statusBarText(), undefined);
      });
    }
  }

  test('a download that finishes while the status bar details are open is reported as already finished', async () => {
    await remove(destination());
    const row = await findRow(api, FOLDER);
    let downloadEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (downloadEnded = resolve));
    const prompter = new ScriptedPrompter()
      .on('destination', destinationFolder(env.workspace))
      .on('downloadDetails', async (request) => {
        await ended; // the user reads the list while the download completes behind it
        return pickWhere<{ kind: string }>((item) => item.value?.kind === 'one')(request);
      });
    let details: Thenable<unknown> | undefined;
    const watcher = api.downloads.onDidChange(() => {
      if (!details && api.downloads.list().some((d) => d.progress))
        details = vscode.commands.executeCommand('boxPull.showDownloadDetails');
    });
    try {
      const outcome = await withPrompter(api, prompter, async () => {
        const result = await download(row.node);
        downloadEnded();
        assert.ok(details, 'the details were opened during the download');
        // 0 stopped: the command said "Already finished" instead of silently doing nothing.
        assert.equal(await details, 0);
        return result;
      });
      assert.equal(outcome.status, 'completed', outcome.message);
    } finally {
      watcher.dispose();
    }
  });

  for (const [entryName, cancelFrom] of Object.entries(ENTRY_POINTS)) {
    test(`${entryName} once every file is in place: stops nothing and says it already finished`, async () => {
      await remove(destination());
      const row = await findRow(api, FOLDER);
      const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
      let cancelled: Thenable<unknown> | undefined;
      const watcher = api.downloads.onDidChange(() => {
        if (!cancelled && api.downloads.list()[0]?.progress?.phase === 'done')
          cancelled = cancelFrom(prompter);
      });
      try {
        const outcome = await withPrompter(api, prompter, () => download(row.node));
        assert.ok(cancelled, 'the pull reported its done phase');
        // Not "1 stopped" followed by "Downloaded …": the cancel changed nothing, and the user is told so.
        assert.equal(await cancelled, 0, 'nothing was stopped');
        assert.equal(outcome.status, 'completed', outcome.message);
      } finally {
        watcher.dispose();
      }
      const log = await logOnceItHas(api, /Cancel requested, but the download had already finished/);
      assert.match(log, /Cancel requested, but the download had already finished/);
    });
  }

  test('Cancel Downloads with nothing running stops nothing', async () => {
    assert.equal(await vscode.commands.executeCommand('boxPull.cancelDownloads'), 0);
  });
});
