// The real conflict dialog (src/vscode/prompter.ts, VsCodePrompter.conflict), which the integration tests replace
// with a scripted prompter: every button is clicked in the workbench and the bytes on disk are checked after each
// answer. Screenshots of each dialog land in test-output/screenshots/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectors } from './selectors';
import { UiSession } from './uiSession';

const FOLDER = 'ui-conflicts';
const NAMES = ['c1.txt', 'c2.txt', 'c3.txt', 'c4.txt'];

describe('The conflict dialog in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  const destination = () => path.join(session.fixture.workspace, FOLDER);

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    const box = path.join(session.fixture.treeRoot, FOLDER);
    fs.mkdirSync(box, { recursive: true });
    for (const name of NAMES) fs.writeFileSync(path.join(box, name), `box ${name}\n`);
  });

  beforeEach(() => {
    fs.rmSync(destination(), { recursive: true, force: true });
    fs.mkdirSync(destination(), { recursive: true });
    for (const name of NAMES) fs.writeFileSync(path.join(destination(), name), `local ${name}\n`);
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('conflicts-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  /** Which file's bytes are on disk now, "box" or "local", per name; no staging folder may be left. */
  function onDisk(): string[] {
    const entries = fs.readdirSync(destination()).sort();
    assert.deepEqual(entries, NAMES, 'the destination holds exactly the four files (no staging folder)');
    return NAMES.map((name) => {
      const text = fs.readFileSync(path.join(destination(), name), 'utf8');
      assert.ok(text === `box ${name}\n` || text === `local ${name}\n`, `${name} holds whole bytes: ${text}`);
      return text.split(' ')[0];
    });
  }

  /** Waits for the dialog about `name` and clicks `button`. */
  async function answer(name: string, button: string, shot: string): Promise<void> {
    const message = session.page
      .locator(selectors.dialogMessage)
      .filter({ hasText: `“${name}” already exists` });
    await session.visible(message, `the conflict dialog about ${name}`);
    await session.screenshot(shot);
    await (await session.visible(selectors.dialogButton(button), `the dialog's "${button}" button`)).click();
  }

  /** Waits (bounded) until the download has ended: its notification says how, and the status bar item is gone. */
  async function ended(outcome: RegExp): Promise<void> {
    await session.openNotificationCenter();
    const note = session.page.locator(selectors.notificationCenterItems).filter({ hasText: outcome }).first();
    await session.visible(note, `a notification matching ${outcome}`);
    await session.dismissOverlays();
  }

  async function clearNotifications(): Promise<void> {
    await session.runCommand('Notifications: Clear All Notifications');
  }

  it('Overwrite, Skip, then Overwrite All (which answers for the last file too)', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'k1');
    await answer('c1.txt', 'Overwrite', 'k2-dialog-c1-overwrite');
    await answer('c2.txt', 'Skip', 'k3-dialog-c2-skip');
    await answer('c3.txt', 'Overwrite All', 'k4-dialog-c3-overwrite-all');
    await ended(/Downloaded 3 files from “ui-conflicts”.*1 existing kept/);
    assert.deepEqual(onDisk(), ['box', 'local', 'box', 'box']);
    await session.screenshot('k5-overwrite-skip-all-done');
  });

  it('Skip All keeps every local file', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'l1');
    await answer('c1.txt', 'Skip All', 'l2-dialog-skip-all');
    await ended(/Downloaded 0 files from “ui-conflicts”.*4 existing kept/);
    assert.deepEqual(onDisk(), ['local', 'local', 'local', 'local']);
  });

  it('Cancel in the dialog cancels the download and changes nothing', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'm1');
    await answer('c1.txt', 'Cancel', 'm2-dialog-cancel');
    await ended(/Download cancelled\. Nothing was changed in/);
    assert.deepEqual(onDisk(), ['local', 'local', 'local', 'local']);
    await session.screenshot('m3-cancelled');
  });
});
