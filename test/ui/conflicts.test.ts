// The real conflict list (src/vscode/download/conflictList.ts), which the integration tests replace with a scripted
// prompter: rows are checked and Compare is clicked in the workbench, and the bytes on disk are checked after each
// answer. c4.txt is identical to Box's and must never be listed. Screenshots land in test-output/screenshots/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectors } from './selectors';
import { UiSession } from './uiSession';
import { STATE_FILE } from '../../src/core/state/pullState';

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
    fs.writeFileSync(path.join(destination(), 'c4.txt'), 'box c4.txt\n');
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
    // The pull's own state file (core/state) sits beside them.
    const entries = fs
      .readdirSync(destination())
      .filter((name) => name !== STATE_FILE)
      .sort();
    assert.deepEqual(entries, NAMES, 'the destination holds exactly the four files (no staging folder)');
    return NAMES.map((name) => {
      const text = fs.readFileSync(path.join(destination(), name), 'utf8');
      assert.ok(text === `box ${name}\n` || text === `local ${name}\n`, `${name} holds whole bytes: ${text}`);
      return text.split(' ')[0];
    });
  }

  /** Waits for the one conflict list and checks it lists exactly c1–c3 with both sizes. */
  async function conflictList(shot: string) {
    const list = session.page.locator(selectors.quickInput).filter({ hasText: '3 files differ from Box’s' });
    await session.visible(list, 'the conflict list');
    const rows = session.page.locator(selectors.quickInputRows);
    await session.visible(rows.filter({ hasText: 'c3.txt' }), 'the row of c3.txt');
    // The choices read Take Box's / Keep mine, with Keep mine the default, and Esc cancels.
    await session.visible(
      list.filter({ hasText: 'checked: Take Box’s · unchecked: Keep mine' }),
      'the choices',
    );
    assert.equal(
      await session.page.locator(selectors.quickInputBox).getAttribute('placeholder'),
      'Enter: go on (Keep mine by default) · Esc: Cancel, nothing changed',
    );
    // The pointer rests where the paste box was, over a row by now, and that row's hover (Box's and your size and
    // date) would cover the row below it: move it off the list and let the hover go before any row is clicked.
    await session.page.mouse.move(1, 1);
    await session.page
      .locator('.context-view .monaco-hover, .context-view p')
      .first()
      .waitFor({ state: 'hidden' });
    await session.screenshot(shot);
    return rows;
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

  it('one list of the files that differ, with sizes and dates; Compare opens a diff; nothing selected keeps yours', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'k1');
    const rows = await conflictList('k2-conflict-list');
    const first = rows.filter({ hasText: 'c1.txt' });
    await first.hover();
    await (
      await session.visible(first.locator('[aria-label="Compare"]'), 'the Compare button of c1.txt')
    ).click();
    const diffTab = session.page.locator('.tabs-container .tab').filter({ hasText: 'yours ↔ Box' });
    await session.visible(diffTab, 'the diff editor tab');
    await session.visible(selectors.quickInput, 'the conflict list, still open after Compare');
    await session.screenshot('k3-compare-diff');
    await (await session.visible(selectors.quickInputBox, 'the list input')).click();
    await session.page.keyboard.press('Enter');
    await ended(
      /Downloaded 0 files from “ui-conflicts”.*kept yours: c1\.txt, c2\.txt, c3\.txt; 1 already up to date/,
    );
    assert.deepEqual(onDisk(), ['local', 'local', 'local', 'box']);
    await session.screenshot('k4-kept-all');
    await session.runCommand('View: Close All Editors');
  });

  it('Replace selected replaces only the checked file', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'l1');
    const rows = await conflictList('l2-conflict-list');
    await rows.filter({ hasText: 'c2.txt' }).click();
    await session.screenshot('l3-c2-selected');
    await (await session.visible(selectors.quickInputBox, 'the list input')).click();
    await session.page.keyboard.press('Enter');
    await ended(/Downloaded 1 file from “ui-conflicts”.*\(replacing yours\).*kept yours: c1\.txt, c3\.txt/);
    assert.deepEqual(onDisk(), ['local', 'box', 'local', 'box']);
  });

  it('Escape cancels the download and changes nothing', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'm1');
    await conflictList('m2-conflict-list');
    await session.page.keyboard.press('Escape');
    await ended(/Download cancelled\. Nothing was changed in/);
    assert.deepEqual(onDisk(), ['local', 'local', 'local', 'box']);
    await session.screenshot('m3-cancelled');
  });

  it('Take Box’s to all answers the whole list at once', async () => {
    await clearNotifications();
    await session.downloadByPastedId(FOLDER, 'n1');
    await conflictList('n2-conflict-list');
    const takeAll = session.page.locator(`${selectors.quickInput} [aria-label="Take Box’s to all"]`);
    await (await session.visible(takeAll, 'the Take Box’s to all button')).click();
    await ended(/Downloaded 3 files from “ui-conflicts”/);
    assert.deepEqual(onDisk(), ['box', 'box', 'box', 'box']);
    await session.screenshot('n3-took-all');
  });
});
