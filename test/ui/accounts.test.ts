// Two Box accounts in a real workbench (issue #14, item 8): Box: Add Account signs in a second one without dropping
// the first, Box: Switch Account lists both with the one in use marked, and switching changes the view's
// description and what the tree lists. Screenshots a1–a3.
import * as fs from 'node:fs';
import { DEFAULT_APP, DEFAULT_USER, ENTERPRISE_ID, SERVICE_ACCOUNT } from '../../src/emulator/options';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

describe('Accounts in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;
  /** A root folder only the emulator user sees (not shared with the service account). */
  let privateFolder: string;

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    const top = fs
      .readdirSync(session.fixture.treeRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort((a, b) => a.localeCompare(b));
    privateFolder = top[0];
    session.fixture.emulator.faults.hiddenFromServiceAccount = [privateFolder];
    await (
      await session.visible(
        selectors.activityBarItem(names.viewContainerTitle),
        'the "Box" activity bar item',
      )
    ).click();
    await session.visible(selectors.treeRow(privateFolder), `the tree row "${privateFolder}"`);
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('a-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  /** Answers an input box once it shows `prompt` (the previous question's box is reused, so wait for this one). */
  async function answerInput(prompt: string, text: string): Promise<void> {
    await session.visible(`${selectors.quickInput} >> text=${prompt}`, `the input asking "${prompt}"`);
    await (await session.visible(selectors.quickInputBox, `the input for "${prompt}"`)).fill(text);
    await session.page.keyboard.press('Enter');
    await session.page
      .locator(`${selectors.quickInput} >> text=${prompt}`)
      .first()
      .waitFor({ state: 'hidden', timeout: 30_000 });
  }

  async function answerPick(itemText: string): Promise<void> {
    const row = session.page.locator(selectors.quickInputRows).filter({ hasText: itemText }).first();
    await (await session.visible(row, `the pick item "${itemText}"`)).click();
  }

  it('(a) Add Account keeps the first account; Switch Account marks the current one and switches the view', async () => {
    await session.visible(
      selectors.sideBarText(`Box: ${DEFAULT_USER.name}`),
      'the side bar title naming the emulator user',
    );

    await session.runCommand(names.addAccountCommand);
    await answerPick('Sign in with Client Credentials');
    await answerInput('Client ID of your Box app', DEFAULT_APP.clientId);
    await answerInput('Client secret of the app', DEFAULT_APP.clientSecret);
    await answerPick('service account');
    await answerInput('Enterprise ID', ENTERPRISE_ID);
    await session.visible(
      selectors.sideBarText(`Box: ${SERVICE_ACCOUNT.name}`),
      'the side bar title naming the service account',
    );
    await session.page
      .locator(selectors.treeRow(privateFolder))
      .first()
      .waitFor({ state: 'hidden', timeout: 30_000 });
    await session.screenshot('a1-added-service-account');

    await session.runCommand(names.switchAccountCommand);
    const current = session.page
      .locator(selectors.quickInputRows)
      .filter({ hasText: SERVICE_ACCOUNT.name })
      .filter({ hasText: names.currentAccountMark });
    await session.visible(current, 'the service account marked as current');
    const other = session.page
      .locator(selectors.quickInputRows)
      .filter({ hasText: DEFAULT_USER.name })
      .first();
    await session.visible(other, 'the emulator user among the accounts');
    await session.screenshot('a2-switch-account-pick');
    await other.click();

    await session.visible(
      selectors.sideBarText(`Box: ${DEFAULT_USER.name}`),
      'the side bar title naming the emulator user again',
    );
    await session.visible(selectors.treeRow(privateFolder), `the user's own folder "${privateFolder}" again`);
    await session.screenshot('a3-switched-back');
  });
});
