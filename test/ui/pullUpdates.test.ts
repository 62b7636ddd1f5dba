// Pull updates from the Explorer, in the real workbench: a folder pulled from Box shows Box: Pull Updates in its
// Explorer context menu and a "B" badge whose hover names the Box folder; choosing the menu item downloads what
// changed on Box and says so. Screenshots: u1-menu (the context menu), u2-summary (the update's message),
// u3-badge (the badge's hover).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

const FOLDER = 'ui-pull-updates';

describe('Pull Updates from the Explorer', function () {
  this.timeout(180_000);
  let session: UiSession;
  const box = () => path.join(session.fixture.treeRoot, FOLDER);
  const destination = () => path.join(session.fixture.workspace, FOLDER);

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    fs.mkdirSync(box(), { recursive: true });
    fs.writeFileSync(path.join(box(), 'plan.md'), '# plan, first\n');
    fs.writeFileSync(path.join(box(), 'notes.txt'), 'notes\n');
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('u-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  /** The Notification Center's entry matching `text`; the center is opened again if something closed it. */
  async function notification(text: RegExp, what: string) {
    const items = session.page.locator(selectors.notificationCenterItems);
    const item = items.filter({ hasText: text }).first();
    for (let attempt = 0; attempt < 15; attempt++) {
      await session.openNotificationCenter();
      if (await session.appears(item, 2_000)) return item;
    }
    await session.screenshot('u-failure-notifications');
    throw new Error(
      `no notification for ${what}; notifications: ${(await items.allInnerTexts()).join(' | ')}`,
    );
  }

  it('right-click a pulled folder, Pull Updates, and see what changed; the folder carries a Box badge', async () => {
    await session.runCommand('Notifications: Clear All Notifications');
    await session.downloadByPastedId(FOLDER, 'u0');
    await notification(
      /Downloaded 2 files from “ui-pull-updates”.*Later, Pull Updates/,
      'the pull’s message',
    );
    await session.runCommand('Notifications: Clear All Notifications');
    await session.dismissOverlays();
    fs.writeFileSync(path.join(box(), 'plan.md'), '# plan, second and longer\n');

    await session.runCommand('View: Show Explorer');
    const row = session.page
      .locator(selectors.explorerRows)
      .filter({ hasText: new RegExp(`^\\s*${FOLDER}\\s*$`) })
      .first();
    await session.visible(row, `the Explorer row of ${FOLDER}`);
    await row.click({ button: 'right' });
    const item = session.page.locator(selectors.contextMenuItem(names.pullUpdatesMenuItem)).first();
    await session.visible(item, 'Pull Updates in the Explorer context menu');
    await session.screenshot('u1-menu');
    await session.clickMenuItem(item, 'Pull Updates');

    await notification(/Pulled updates of “ui-pull-updates”: 1 updated\./, 'the update’s summary');
    await session.screenshot('u2-summary');
    assert.equal(fs.readFileSync(path.join(destination(), 'plan.md'), 'utf8'), '# plan, second and longer\n');
    await session.dismissOverlays();

    // The badge is drawn by CSS (`::after`), so it is read from the computed style of the row's label.
    const badges = await row.evaluate((element) =>
      [...element.querySelectorAll('*')].map(
        (child) => child.ownerDocument.defaultView!.getComputedStyle(child, '::after').content,
      ),
    );
    assert.ok(
      badges.includes('"B"'),
      `the row's ::after contents: ${badges.filter((c) => c !== 'none').join(' ')}`,
    );
    // A hover shows after a pause over the row; moving away and back starts it again if a step swallowed it.
    const hover = session.page
      .locator(selectors.hover)
      .filter({ hasText: /Pulled from Box: ui-pull-updates \(id \d+\)/ })
      .first();
    for (let attempt = 0; attempt < 5 && !(await hover.isVisible()); attempt++) {
      await session.page.mouse.move(700, 400);
      await row.hover();
      await session.appears(hover, 3_000);
    }
    await session.visible(hover, 'the badge’s tooltip in the hover');
    await session.screenshot('u3-badge');
  });
});
