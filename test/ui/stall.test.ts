// A stalled connection in the workbench, as a user sees it: with the emulator's download frozen mid-way, the status
// bar item and the progress notification say "stalled" instead of the last good speed; once bytes come again the
// download completes. A download that fails for good offers Retry, and Retry downloads it.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

const FOLDER = 'ui-stall';

describe('A stalled download in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  const destination = () => path.join(session.fixture.workspace, FOLDER);
  const source = () => path.join(session.fixture.treeRoot, FOLDER);

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    fs.mkdirSync(source(), { recursive: true });
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(source(), `f-0${i}.bin`), randomBytes(64 * 1024));
  });

  beforeEach(async () => {
    fs.rmSync(destination(), { recursive: true, force: true });
    await session.dismissOverlays();
    await session.runCommand('Notifications: Clear All Notifications');
  });

  afterEach(async function () {
    const faults = session.fixture.emulator.faults;
    faults.freezeAfterBytes = undefined;
    faults.cutAfterBytes = undefined;
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('stall-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  after(async () => {
    await session?.close();
  });

  async function notification(text: RegExp | string, what: string) {
    await session.openNotificationCenter();
    const item = session.page.locator(selectors.notificationCenterItems).filter({ hasText: text }).first();
    return session.visible(item, what);
  }

  it('(st) a frozen server: the status bar and the notification say "stalled", then the download completes', async () => {
    session.fixture.emulator.faults.freezeAfterBytes = 200 * 1024;
    await session.downloadByPastedId(FOLDER, 'st1');
    const stalled = session.page
      .locator(selectors.statusBarItems)
      .filter({ hasText: new RegExp(`^\\s*${names.statusBarPrefix}\\b.*· stalled \\d+:\\d\\d`) })
      .first();
    await session.visible(stalled, 'the status bar item saying "stalled"');
    await notification(/stalled \d+:\d\d/, 'the progress notification saying "stalled"');
    await session.screenshot('st2-stalled');
    session.fixture.emulator.faults.freezeAfterBytes = undefined;
    await session.expectSameTree(source(), destination());
    await session.screenshot('st3-completed-after-the-stall');
  });

  it('(r) a download that failed offers Retry, and Retry downloads it', async () => {
    session.fixture.emulator.faults.cutAfterBytes = 40 * 1024;
    await session.downloadByPastedId(FOLDER, 'r1');
    const failed = await notification(/Box download failed: /, 'the failure notification');
    const retry = failed.locator('.monaco-button').filter({ hasText: /^Retry$/ });
    await session.visible(retry, 'the failure’s Retry button');
    await session.screenshot('r2-failed-with-retry');
    session.fixture.emulator.faults.cutAfterBytes = undefined;
    // The pointer still rests on the bell that opened the center: its hover would take the click.
    await session.page.mouse.move(400, 300);
    await retry.click();
    await session.expectSameTree(source(), destination());
    await session.screenshot('r3-retried');
  });
});
