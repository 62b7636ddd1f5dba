// A connection that goes quiet, in the real VS Code host: the status bar and the notification say "stalled" (not the
// last good speed), a failed download offers Retry, a folder Box never answers gives up with an error row that
// retries, and progress never runs backwards within a phase (the emulator's knobs freeze, cut and hang requests).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PullProgress } from '../../src/core/pull/progress';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { FolderNode } from '../../src/vscode/tree/nodes';
import { resetFaults, setFaults } from './emulator';
import {
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  makeBoxFolder,
  refreshTree,
  remove,
  rows,
  ScriptedPrompter,
  withPrompter,
} from './helpers';

const FOLDER = 'it-stall';

/** What one download showed at one moment: its progress, the status bar and the notification. */
interface Moment {
  progress: PullProgress;
  statusBar: string;
  notification: string;
}

suite('Stalls, retries and honest progress', () => {
  let api: BoxPullTestApi;
  const destination = path.join(env.workspace, FOLDER);

  suiteSetup(async () => {
    api = await getApi();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`part-${String(i).padStart(2, '0')}.bin`] = randomBytes(24 * 1024);
    await makeBoxFolder(FOLDER, files);
    await refreshTree();
  });

  teardown(async () => {
    await resetFaults();
    api.tree.setListingTimeout(30_000);
    await remove(destination);
    await refreshTree();
  });

  suiteTeardown(async () => {
    await remove(path.join(env.testRoot, FOLDER));
  });

  /** Starts a download of the suite's folder and records every moment of it until `until` holds (or it ends). */
  function startDownload(until?: (moment: Moment) => boolean): {
    outcome: ReturnType<typeof download>;
    moments: Moment[];
    reached: Promise<Moment | undefined>;
  } {
    const moments: Moment[] = [];
    let reach: (moment: Moment | undefined) => void = () => undefined;
    const reached = new Promise<Moment | undefined>((resolve) => (reach = resolve));
    const watcher = api.downloads.onDidChange(() => {
      const [running] = api.downloads.list();
      const statusBar = api.downloads.statusBarText();
      if (!running?.progress || !running.notification || !statusBar) return;
      const moment = { progress: running.progress, statusBar, notification: running.notification };
      moments.push(moment);
      if (until?.(moment)) reach(moment);
    });
    const outcome = (async () => {
      const row = await findRow(api, FOLDER);
      const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
      return withPrompter(api, prompter, () => download(row.node));
    })().finally(() => {
      watcher.dispose();
      reach(undefined);
    });
    return { outcome, moments, reached };
  }

  test('a frozen server: "stalled" in the status bar and the notification, then the download completes', async () => {
    await setFaults({ freezeAfterBytes: 200 * 1024 });
    const run = startDownload((moment) => moment.progress.stalledSeconds !== undefined);
    const stalled = await run.reached;
    assert.ok(stalled, 'the download never said it stalled');
    assert.equal(stalled.progress.bytesPerSecond, 0, 'the rate fell to 0');
    assert.match(stalled.statusBar, /^\$\(warning\) Box \d+% · stalled 0:0[5-9]\b/);
    assert.doesNotMatch(stalled.statusBar, /\/s|left/, 'no speed or time left while nothing arrives');
    assert.match(stalled.notification, /stalled 0:0\d/);
    await setFaults({ freezeAfterBytes: null });
    const outcome = await run.outcome;
    assert.equal(outcome.status, 'completed', outcome.message);
  });

  test('a failed download offers Retry, and Retry downloads again', async () => {
    await setFaults({ cutAfterBytes: 40 * 1024 });
    const failed = await startDownload().outcome;
    assert.equal(failed.status, 'failed', failed.message);
    assert.ok(failed.retry, 'the failure offers Retry');
    await resetFaults();
    const retried = await failed.retry();
    assert.equal(retried.status, 'completed', retried.message);
    assert.equal(retried.report?.filesWritten, 40);
  });

  test('a folder Box never answers gives up within the timeout, with an error row that retries', async () => {
    const row = await findRow(api, FOLDER);
    const id = (row.node as FolderNode).item.id;
    api.tree.setListingTimeout(1000);
    await setFaults({ hangRequests: { remaining: 1, pathPrefix: `/2.0/folders/${id}/items` } });
    const [error, ...others] = await rows(api, row.node);
    assert.deepEqual(others, []);
    assert.equal(error.item.contextValue, 'boxError');
    assert.equal(error.label, 'Box did not answer within 1 s.');
    assert.equal(error.item.command?.command, 'boxPull.refresh');
    assert.equal(error.item.command?.title, 'Retry');
    await vscode.commands.executeCommand(error.item.command.command, ...(error.item.command.arguments ?? []));
    const listed = await rows(api, row.node);
    assert.equal(listed.length, 40, listed.map((r) => r.label).join(', '));
  });

  test('progress never moves backwards within a phase, and the status bar and the notification agree', async () => {
    // Throttled and paced, so that every phase reports several times.
    await setFaults({ bytesPerSecond: 400 * 1024, entryDelayMs: 20 });
    const run = startDownload();
    const outcome = await run.outcome;
    assert.equal(outcome.status, 'completed', outcome.message);
    const { moments } = run;
    assert.ok(moments.length > 10, `${moments.length} moments`);
    for (let i = 1; i < moments.length; i++) {
      const [before, now] = [moments[i - 1].progress, moments[i].progress];
      const trace = `${moments[i - 1].statusBar} → ${moments[i].statusBar}`;
      assert.ok((now.fraction ?? 0) >= (before.fraction ?? 0), `the fraction went back: ${trace}`);
      if (now.phase !== before.phase || now.attempt !== before.attempt) continue;
      assert.ok(now.filesDone >= before.filesDone, `the file count went back: ${trace}`);
      assert.ok(now.bytesDownloaded >= before.bytesDownloaded, `the byte count went back: ${trace}`);
    }
    for (const { statusBar, notification, progress } of moments) {
      const words = statusBar.replace(/^\$\([^)]*\) Box /, '');
      assert.ok(notification.endsWith(words), `status bar "${statusBar}", notification "${notification}"`);
      assert.doesNotMatch(notification, /^Downloading\b/, 'the title already says "downloading"');
      assert.doesNotMatch(statusBar, /\d\.\d{2,}/, 'no long decimals');
      if (progress.phase === 'downloading') assert.doesNotMatch(statusBar, /\b0:00 left/);
    }
  });
});
