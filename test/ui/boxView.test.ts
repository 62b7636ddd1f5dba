// The Box view's smaller promises in a real workbench: Download Folder… and Find by Name… are icons in the view's
// title; Find by Name… reveals and selects the item; Copy Link says it copied. Screenshots v1–v4.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

describe('The Box view in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  let folder: string;

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    // The last top-level folder by name: the one furthest down the tree.
    const top = fs
      .readdirSync(session.fixture.treeRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort((a, b) => a.localeCompare(b));
    folder = top[top.length - 1];
    await (
      await session.visible(
        selectors.activityBarItem(names.viewContainerTitle),
        'the "Box" activity bar item',
      )
    ).click();
    await session.visible(selectors.treeRow(folder), `the tree row "${folder}" (signed in, root listed)`);
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('v-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  it('(v) Download Folder… and Find by Name… are icons in the view title', async () => {
    for (const label of [names.downloadFolderAction, names.findAction]) {
      const action = await session.visible(
        selectors.sideBarTitleAction(label),
        `the "${label}" title action`,
      );
      assert.match(
        (await action.getAttribute('class')) ?? '',
        /\bcodicon-[\w-]+/,
        `"${label}" shows an icon`,
      );
    }
    await session.screenshot('v1-view-title-icons');
  });

  it('(f) Find by Name… reveals and selects the item it finds', async () => {
    await session.dismissOverlays();
    await (
      await session.visible(selectors.sideBarTitleAction(names.findAction), 'the Find by Name… action')
    ).click();
    const input = await session.visible(selectors.quickInputBox, 'the Find by Name… quick pick');
    await input.fill(folder);
    const row = session.page.locator(selectors.quickInputRows).filter({ hasText: folder }).first();
    await session.visible(row, `"${folder}" among the items`);
    await session.screenshot('v2-find-by-name');
    await session.page.keyboard.press('Enter');
    const selected = session.page.locator(selectors.selectedTreeRow).filter({ hasText: folder }).first();
    await session.visible(selected, `the tree row "${folder}" selected`);
    await session.screenshot('v3-found-and-selected');
  });

  it('(c) Copy Link says in the status bar that it copied', async () => {
    await session.dismissOverlays();
    const row = await session.visible(selectors.treeRow(folder), `the tree row "${folder}"`);
    await row.click({ button: 'right' });
    const copy = await session.visible(
      selectors.contextMenuItem(names.copyLinkMenuItem),
      'the "Copy Link" context-menu item',
    );
    await session.clickMenuItem(copy, 'the "Copy Link" context-menu item');
    const confirmation = session.page
      .locator(selectors.statusBarItems)
      .filter({ hasText: `Copied the Box link of “${folder}”.` })
      .first();
    await session.visible(confirmation, 'the "Copied the Box link" status bar message');
    await session.screenshot('v4-copy-link-confirmed');
  });
});
