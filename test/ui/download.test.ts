// UI scenarios in a real VS Code workbench driven by Playwright: download a Box folder from the tree's context
// menu, and from the Command Palette by pasting its id. Each state is saved to test-output/screenshots/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

/** Top-level folders of the generated Box tree, biggest first (the tests want folders with files inside). */
function topFoldersBySize(treeRoot: string): string[] {
  const countFiles = (dir: string): number =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .reduce((sum, entry) => sum + (entry.isDirectory() ? countFiles(path.join(dir, entry.name)) : 1), 0);
  return fs
    .readdirSync(treeRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ name: entry.name, files: countFiles(path.join(treeRoot, entry.name)) }))
    .filter((folder) => folder.files > 0)
    .sort((a, b) => b.files - a.files || a.name.localeCompare(b.name))
    .map((folder) => folder.name);
}

describe('Box Pull in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  let folders: string[];

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    folders = topFoldersBySize(session.fixture.treeRoot);
    if (folders.length < 2) throw new Error('the generated tree needs two top-level folders with files');
    // A little delay per ZIP entry keeps the download running long enough to see the status bar change.
    session.fixture.emulator.faults.entryDelayMs = 250;
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const name = (this.currentTest.title.match(/^\((\w)\)/)?.[1] ?? 'x') + '-failure';
      const file = await session.screenshot(name).catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  async function watchProgressAndCompletion(prefix: string, folder: string): Promise<void> {
    const progress = session.page
      .locator(selectors.statusBarItems)
      .filter({ hasText: new RegExp(`^\\s*${names.statusBarPrefix}\\b.*(\\d+\\s*%|files?)`, 'i') })
      .first();
    await session.visible(
      progress,
      `a "${names.statusBarPrefix} …" status bar item showing percent or files`,
    );
    await session.screenshot(`${prefix}-status-bar-downloading`);
    await (
      await session.visible(selectors.notificationsBell, 'the notifications bell in the status bar')
    ).click();
    const done = session.page
      .locator(selectors.notificationCenterItems)
      .filter({ hasText: names.revealAction })
      .filter({ hasText: folder })
      .first();
    await session.visible(done, `a notification about "${folder}" with "${names.revealAction}"`);
    await session.screenshot(`${prefix}-completed`);
  }

  it('(a) downloads a folder from the Box view context menu', async () => {
    const folder = folders[0];
    await session.dismissOverlays();
    await (
      await session.visible(
        selectors.activityBarItem(names.viewContainerTitle),
        'the "Box" activity bar item',
      )
    ).click();
    const row = await session.visible(
      selectors.treeRow(folder),
      `the tree row "${folder}" (signed in, root listed)`,
    );
    await session.screenshot('a1-box-view');

    await row.click(); // expands the folder
    await session.visible(selectors.treeRowAtLevel(2), `the children of "${folder}" after expanding it`);
    await session.screenshot('a2-folder-expanded');

    await row.click({ button: 'right' });
    const download = await session.visible(
      selectors.contextMenuItem(names.downloadMenuItem),
      `the "${names.downloadMenuItem}" context-menu item`,
    );
    await session.screenshot('a3-context-menu');
    await session.clickMenuItem(download, `the "${names.downloadMenuItem}" context-menu item`);

    await session.pickWorkspaceIfAsked('a4-destination-pick');
    await watchProgressAndCompletion('a5', folder);
    await session.expectSameTree(
      path.join(session.fixture.treeRoot, folder),
      path.join(session.fixture.workspace, folder),
    );
  });

  it('(b) downloads a folder by pasting its id into "Box: Download Folder…"', async () => {
    const folder = folders[1];
    await session.downloadByPastedId(folder, 'b1');
    await watchProgressAndCompletion('b4', folder);
    await session.expectSameTree(
      path.join(session.fixture.treeRoot, folder),
      path.join(session.fixture.workspace, folder),
    );
  });
});
