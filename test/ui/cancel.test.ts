// Cancelling in the workbench, the way a user does: the progress notification's own Cancel button, and a click on
// the status bar item (its pick cancels the chosen download at once). The emulator's rate cap keeps the download
// phase running; each cancel is clicked once files are arriving. After each, the destination is byte for byte
// what it was (no staging folder), and the user is told the outcome.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffTrees } from '../helpers/compareTrees';
import { names, selectors } from './selectors';
import { STEP_TIMEOUT_MS, UiSession } from './uiSession';

const FOLDER = 'ui-cancel';

describe('Cancelling in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  let snapshot: string;
  const destination = () => path.join(session.fixture.workspace, FOLDER);

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    const box = path.join(session.fixture.treeRoot, FOLDER);
    fs.mkdirSync(box, { recursive: true });
    // Incompressible, so the rate cap decides how long the download phase lasts (about 13 s uncancelled).
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(box, `f-0${i}.bin`), randomBytes(64 * 1024));
    snapshot = fs.mkdtempSync(path.join(os.tmpdir(), 'box-pull-ui-cancel-'));
  });

  beforeEach(async () => {
    fs.rmSync(destination(), { recursive: true, force: true });
    fs.rmSync(snapshot, { recursive: true, force: true });
    fs.mkdirSync(destination(), { recursive: true });
    fs.writeFileSync(path.join(destination(), 'notes.txt'), 'my notes\n');
    fs.writeFileSync(path.join(destination(), 'f-03.bin'), 'my own f-03\n');
    fs.cpSync(destination(), snapshot, { recursive: true });
    session.fixture.emulator.faults.bytesPerSecond = 48 * 1024;
    await session.dismissOverlays();
    await session.runCommand('Notifications: Clear All Notifications');
  });

  afterEach(async function () {
    session.fixture.emulator.faults.bytesPerSecond = undefined;
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('cancel-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  after(async () => {
    await session?.close();
    fs.rmSync(snapshot, { recursive: true, force: true });
  });

  /** The status bar item once files are arriving: "Box 12% · 2/10 files · …". */
  async function downloadingStatusBarItem() {
    const item = session.page
      .locator(selectors.statusBarItems)
      .filter({ hasText: new RegExp(`^\\s*${names.statusBarPrefix}\\b.*\\b[1-9]\\d*/\\d+ files`) })
      .first();
    return session.visible(item, 'the status bar item counting arriving files');
  }

  async function notification(text: RegExp | string, what: string) {
    await session.openNotificationCenter();
    const item = session.page.locator(selectors.notificationCenterItems).filter({ hasText: text }).first();
    return session.visible(item, what);
  }

  /** Polls (bounded) until the destination is byte for byte what it was before the pull. */
  async function expectUnchanged(): Promise<void> {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let differences = await diffTrees(snapshot, destination());
    while (differences.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      differences = await diffTrees(snapshot, destination());
    }
    assert.deepEqual(differences, [], 'the destination (staging folder included) is as it was');
  }

  const cancelledMessage = () => `Download cancelled. Nothing was changed in ${destination()}.`;

  it('(n) the progress notification’s Cancel button stops the download while files arrive', async () => {
    await session.downloadByPastedId(FOLDER, 'n1');
    await downloadingStatusBarItem();
    const progress = await notification(`Box: downloading “${FOLDER}”`, 'the progress notification');
    await session.screenshot('n2-progress-notification');
    const cancel = progress.locator('.monaco-button').filter({ hasText: /^Cancel$/ });
    await (await session.visible(cancel, 'the notification’s Cancel button')).click();
    await notification(cancelledMessage(), 'the "Download cancelled" notification');
    await session.screenshot('n3-cancelled');
    await expectUnchanged();
  });

  it('(s) a click on the status bar item, then on the download, stops it at once', async () => {
    await session.downloadByPastedId(FOLDER, 's1');
    const item = await downloadingStatusBarItem();
    // What a screen reader says: words, not the spinning icon's name.
    const spoken = (await item.locator('[aria-label]').first().getAttribute('aria-label')) ?? '';
    assert.match(spoken, /^Box download: \d+% · .*Click for details or to cancel\.$/);
    assert.doesNotMatch(spoken, /sync|spin|~/);
    await item.click();
    const row = session.page.locator(selectors.quickInputRows).filter({ hasText: FOLDER }).first();
    await session.visible(row, 'the running download in the status bar details');
    await session.screenshot('s2-status-bar-details');
    await row.click();
    // No confirmation: the outcome follows the click.
    await notification(cancelledMessage(), 'the "Download cancelled" notification');
    assert.equal(await session.page.locator(selectors.dialog).count(), 0, 'no modal dialog');
    await session.screenshot('s3-cancelled');
    await expectUnchanged();
  });

  it('(f) picking a download that finished while the details were open says it already finished', async () => {
    fs.rmSync(destination(), { recursive: true, force: true });
    session.fixture.emulator.faults.bytesPerSecond = 256 * 1024;
    await session.downloadByPastedId(FOLDER, 'f1');
    await (await downloadingStatusBarItem()).click();
    const row = session.page.locator(selectors.quickInputRows).filter({ hasText: FOLDER }).first();
    await session.visible(row, 'the running download in the status bar details');
    // The download completes behind the open pick.
    await session.expectSameTree(path.join(session.fixture.treeRoot, FOLDER), destination());
    await session.screenshot('f2-finished-behind-the-pick');
    await row.click();
    await notification('Already finished', 'the "Already finished" notification');
    await session.screenshot('f3-already-finished');
    await session.expectSameTree(path.join(session.fixture.treeRoot, FOLDER), destination());
  });
});
