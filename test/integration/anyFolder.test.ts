// Pull any folder (#12) in the real VS Code host: a folder over the emulator's ZIP file limit arrives complete on
// the streams `boxPull.streams` allows; `boxPull.exclude` leaves files out and the excluded folder is never listed
// (the emulator's request counters); the listing shows as "Listing… N folders" in the status bar and the
// notification, and never counts backwards; a file whose SHA-1 never matches is named in the completion message.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { PullProgress } from '../../src/core/pull/progress';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { FolderNode } from '../../src/vscode/tree/nodes';
import { diffTrees } from '../helpers/compareTrees';
import { emulatorStats, resetFaults, setFaults } from './emulator';
import {
  destinationFolder,
  download,
  env,
  exists,
  findRow,
  getApi,
  makeBoxFolder,
  refreshTree,
  remove,
  ScriptedPrompter,
  setSetting,
  withPrompter,
} from './helpers';

const FOLDER = 'it-any-folder';

/** 32 files in 15 folders under the pulled one: `raw/` and the `.log` files are what the exclude test leaves out. */
function sourceFiles(): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = { 'readme.md': '# any folder\n', 'notes.log': 'log\n' };
  for (let i = 0; i < 6; i++) files[`docs/page-${i}.md`] = `page ${i}\n`;
  files['docs/debug.log'] = 'debug\n';
  for (let i = 0; i < 6; i++) files[`src/mod-${i}.ts`] = randomBytes(2048);
  for (let i = 0; i < 4; i++) files[`src/deep/leaf-${i}.bin`] = randomBytes(4096);
  files['src/deep/deeper/last.txt'] = 'last\n';
  for (let i = 0; i < 3; i++) files[`raw/take-${i}.bin`] = randomBytes(16 * 1024);
  files['raw/inner/clip.bin'] = randomBytes(8 * 1024);
  for (let i = 0; i < 8; i++) files[`many/f${i}/x${i}.txt`] = `x${i}\n`;
  return files;
}

/** One download of the suite's folder, with what it showed (progress, status bar, notification) at every change. */
interface Moment {
  progress: PullProgress;
  statusBar: string;
  notification: string;
}

suite('Pull any folder: limits, filters and the listing', () => {
  let api: BoxPullTestApi;
  const source = path.join(env.testRoot, FOLDER);
  const destination = path.join(env.workspace, FOLDER);

  suiteSetup(async () => {
    api = await getApi();
    await makeBoxFolder(FOLDER, sourceFiles());
    await refreshTree();
  });

  teardown(async () => {
    await resetFaults();
    for (const key of ['include', 'exclude', 'streams']) await setSetting(key, undefined);
    await remove(destination);
  });

  suiteTeardown(async () => {
    await remove(source);
  });

  async function pullFolder(moments: Moment[] = []) {
    const watcher = api.downloads.onDidChange(() => {
      const [running] = api.downloads.list();
      const statusBar = api.downloads.statusBarText();
      if (!running?.progress || !running.notification || !statusBar) return;
      moments.push({ progress: running.progress, statusBar, notification: running.notification });
    });
    try {
      const row = await findRow(api, FOLDER);
      const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
      const outcome = await withPrompter(api, prompter, () => download(row.node));
      assert.equal(outcome.status, 'completed', outcome.message);
      return outcome;
    } finally {
      watcher.dispose();
    }
  }

  test('a folder over the ZIP file limit arrives complete, on the streams boxPull.streams allows', async () => {
    await setFaults({ maxZipFiles: 5 });
    await setSetting('streams', 2);
    const outcome = await pullFolder();
    assert.deepEqual(await diffTrees(source, destination), []);
    const plan = outcome.report?.plan;
    assert.ok(plan, 'the refused ZIP was split');
    assert.ok(plan.parts.length >= 7, `${plan.parts.length} parts for 32 files at 5 a ZIP`);
    assert.ok(
      plan.parts.every((part) => part.files <= 5),
      JSON.stringify(plan.parts),
    );
    assert.equal(plan.streamsLimit, 2, 'boxPull.streams');
    assert.ok(plan.streamsUsed <= 2, `${plan.streamsUsed} streams ran at once`);
    assert.match(outcome.message, /^Downloaded 32 files from /);
  });

  test('boxPull.exclude leaves the files out, and the excluded folder is never listed', async () => {
    const rawRow = await findRow(api, 'raw', (await findRow(api, FOLDER)).node);
    const rawListing = `GET /2.0/folders/${(rawRow.node as FolderNode).item.id}/items`;
    await setSetting('exclude', ['raw', '**/*.log']);
    const before = await emulatorStats();
    const outcome = await pullFolder();
    const after = await emulatorStats();
    assert.equal(after.byPath[rawListing] ?? 0, before.byPath[rawListing] ?? 0, 'raw/ was listed');
    const left = ['notes.log', 'docs/debug.log', 'raw/take-0.bin', 'raw/take-1.bin', 'raw/take-2.bin'];
    assert.deepEqual(
      (await diffTrees(source, destination)).sort(),
      [
        ...left.map((file) => `missing file ${file}`),
        'missing dir raw',
        'missing dir raw/inner',
        'missing file raw/inner/clip.bin',
      ].sort(),
    );
    assert.deepEqual(outcome.report?.plan?.excluded, {
      files: 2,
      folders: 1,
      bytes: 'log\n'.length + 'debug\n'.length + 3 * 16 * 1024 + 8 * 1024,
    });
    assert.match(
      outcome.message,
      /^Downloaded 26 files from .* Also: 2 files and 1 folder \(\d+ KB\) left out by filters\.$/,
    );
  });

  test('the listing shows as "Listing… N folders", and progress never moves backwards', async () => {
    // Every API answer waits, so that the walk (four levels deep) takes visible time; a filter makes it list.
    await setFaults({ latencyMs: 300 });
    await setSetting('include', ['**']);
    const moments: Moment[] = [];
    const outcome = await pullFolder(moments);
    const listing = moments.filter(
      (moment) => moment.progress.foldersListed !== undefined && moment.progress.phase === 'preparing',
    );
    assert.ok(listing.length > 0, `no listing shown: ${moments.map((m) => m.statusBar).join(' | ')}`);
    for (const { statusBar, notification } of listing) {
      assert.match(statusBar, /^\$\(sync~spin\) Box Listing… \d+ folders?$/);
      assert.match(notification, /^Listing… \d+ folders?$/);
    }
    const listed = outcome.report?.plan?.foldersListed;
    assert.ok(listed !== undefined && listed >= 15, `${listed} folders listed`);
    assert.ok(listing.at(-1)!.statusBar.endsWith(`Listing… ${listed} folders`), listing.at(-1)!.statusBar);
    for (let i = 1; i < moments.length; i++) {
      const [before, now] = [moments[i - 1].progress, moments[i].progress];
      const trace = `${moments[i - 1].statusBar} → ${moments[i].statusBar}`;
      assert.ok(
        (now.foldersListed ?? 0) >= (before.foldersListed ?? 0),
        `the folder count went back: ${trace}`,
      );
      assert.ok((now.fraction ?? 0) >= (before.fraction ?? 0), `the fraction went back: ${trace}`);
      if (now.phase !== before.phase) continue;
      assert.ok(now.filesDone >= before.filesDone, `the file count went back: ${trace}`);
    }
    assert.ok(await exists(path.join(destination, 'src/deep/deeper/last.txt')));
  });

  test('a file whose SHA-1 never matches is not written, and the completion message says so', async () => {
    await setFaults({ wrongSha1: { paths: [`${FOLDER}/docs/page-3.md`] } });
    await setSetting('exclude', ['many']);
    const outcome = await pullFolder();
    assert.deepEqual(outcome.report?.checksumMismatches, ['docs/page-3.md']);
    assert.equal(await exists(path.join(destination, 'docs/page-3.md')), false);
    assert.match(
      outcome.message,
      /Also: 1 not written \(changed on Box during the download; see the log\); /,
    );
  });
});
