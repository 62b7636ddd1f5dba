// UI scenario: a password-protected shared link pasted into "Box: Download Folder…" — the password box, browsing the
// link's folder, and the pull (file by file: the emulator refuses to zip link-only items). Screenshots in
// test-output/screenshots/ (s1…s5).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

const FOLDER = 'ui-shared-link';
const LINK = 'https://acme.app.box.com/s/uishared42';
const PASSWORD = 'ui-pa$$word';

describe('Box Pull in the VS Code UI: shared links', function () {
  this.timeout(180_000);
  let session: UiSession;

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    const root = path.join(session.fixture.treeRoot, FOLDER);
    await fs.mkdir(path.join(root, 'notes'), { recursive: true });
    await fs.writeFile(path.join(root, 'plan.md'), '# The plan\n');
    await fs.writeFile(path.join(root, 'notes', 'monday.txt'), 'shared through a link\n');
    session.fixture.emulator.sharedLinks.push({ path: FOLDER, hash: 'uishared42', password: PASSWORD });
    session.fixture.emulator.faults.zipRefusesLinkOnly = true;
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('s-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  it('(s) pulls a password-protected shared link pasted into "Box: Download Folder…"', async () => {
    const { page } = session;
    await session.dismissOverlays();
    await session.runCommand(names.downloadFolderCommand);
    const input = await session.visible(selectors.quickInputBox, 'the Box folder quick pick');
    await input.fill(LINK);
    const open = page.locator(selectors.quickInputRows).filter({ hasText: 'Open shared link' }).first();
    await session.visible(open, 'an "Open shared link" row for the pasted link');
    await session.screenshot('s1-shared-link-pasted');
    await open.click();

    const password = page.locator(`${selectors.quickInput} input[type="password"]`).first();
    await session.visible(password, 'a password box for the shared link');
    await password.fill(PASSWORD);
    await session.screenshot('s2-shared-link-password');
    await page.keyboard.press('Enter');

    const subfolder = page.locator(selectors.quickInputRows).filter({ hasText: 'notes' }).first();
    await session.visible(subfolder, "the link's subfolder in the picker");
    await session.screenshot('s3-shared-link-browsed');
    const take = page.locator(selectors.quickInputRows).filter({ hasText: 'Download this folder' }).first();
    await take.click();
    await session.pickWorkspaceIfAsked('s4-destination-pick');

    await session.openNotificationCenter();
    const done = page
      .locator(selectors.notificationCenterItems)
      .filter({ hasText: names.revealAction })
      .filter({ hasText: FOLDER })
      .first();
    await session.visible(done, `a notification about "${FOLDER}" with "${names.revealAction}"`);
    await session.screenshot('s5-shared-link-pulled');
    await session.expectSameTree(
      path.join(session.fixture.treeRoot, FOLDER),
      path.join(session.fixture.workspace, FOLDER),
    );
  });
});
