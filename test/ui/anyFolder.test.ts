// A folder listed before it downloads, as a user sees it: the emulator refuses the one ZIP (its file limit set
// low) and answers slowly, so the walk takes visible time; the status bar item and the progress notification say
// "Listing… N folders" meanwhile, and the folder then arrives complete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

const FOLDER = 'ui-any-folder';

describe('Listing a large folder in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  const destination = () => path.join(session.fixture.workspace, FOLDER);
  const source = () => path.join(session.fixture.treeRoot, FOLDER);

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    // Eight levels deep: each level waits for the one above it, whatever the walker's concurrency.
    for (let branch = 0; branch < 3; branch++) {
      let dir = source();
      for (let depth = 0; depth < 8; depth++) {
        dir = path.join(dir, `b${branch}-d${depth}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'note.txt'), `branch ${branch}, depth ${depth}\n`);
      }
    }
  });

  beforeEach(async () => {
    fs.rmSync(destination(), { recursive: true, force: true });
    await session.dismissOverlays();
    await session.runCommand('Notifications: Clear All Notifications');
  });

  afterEach(async function () {
    const faults = session.fixture.emulator.faults;
    faults.latencyMs = undefined;
    faults.maxZipFiles = 10_000;
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('listing-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  after(async () => {
    await session?.close();
  });

  it('(ls) a folder over the ZIP file limit: "Listing… N folders" in the status bar and the notification', async () => {
    Object.assign(session.fixture.emulator.faults, { maxZipFiles: 4, latencyMs: 700 });
    await session.downloadByPastedId(FOLDER, 'ls1');
    const listing = session.page
      .locator(selectors.statusBarItems)
      .filter({ hasText: new RegExp(`^\\s*${names.statusBarPrefix}\\b.*Listing… \\d+ folders?\\s*$`) })
      .first();
    await session.visible(listing, 'the status bar item saying "Listing… N folders"');
    await session.screenshot('ls2-listing-in-the-status-bar');
    await session.openNotificationCenter();
    const notification = session.page
      .locator(selectors.notificationCenterItems)
      .filter({ hasText: /Listing… \d+ folders?/ })
      .first();
    await session.visible(notification, 'the progress notification saying "Listing… N folders"');
    await session.screenshot('ls3-listing-in-the-notification');
    await session.expectSameTree(source(), destination(), 120_000);
    await session.screenshot('ls4-completed');
  });
});
