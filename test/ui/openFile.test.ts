// Opening a Box file from the tree in a real workbench: a click on a text file shows it in a read-only editor
// (typing is refused), a click on an image shows the image preview, and Cancel on the progress notification stops
// the download. Screenshots o1–o5 in test-output/screenshots/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { names, selectors } from './selectors';
import { STEP_TIMEOUT_MS, UiSession } from './uiSession';

const FOLDER = 'ui-open';
const README = [
  '# Quarterly plan',
  '',
  'Opened straight from Box: read-only, nothing copied into the workspace.',
  '',
  '- budget.xlsx stays on Box',
  '- diagram.svg opens in the image preview',
  '',
].join('\n');
const DIAGRAM = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">
  <rect width="240" height="160" rx="16" fill="#0061d5"/>
  <text x="120" y="92" font-family="sans-serif" font-size="36" fill="#fff" text-anchor="middle">box</text>
</svg>
`;

describe('Opening a Box file in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
    const folder = path.join(session.fixture.treeRoot, FOLDER);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'readme.md'), README);
    fs.writeFileSync(path.join(folder, 'diagram.svg'), DIAGRAM);
    fs.writeFileSync(path.join(folder, 'big.log'), 'a line of a big log\n'.repeat(100_000));
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    session.fixture.emulator.faults.freezeAfterBytes = undefined;
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('o-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  it('(o) a click on a file opens it read-only; an image opens in the image preview', async () => {
    await session.dismissOverlays();
    await (
      await session.visible(
        selectors.activityBarItem(names.viewContainerTitle),
        'the "Box" activity bar item',
      )
    ).click();
    await (await session.visible(selectors.treeRow(FOLDER), `the tree row "${FOLDER}"`)).click();
    await (await session.visible(selectors.treeRowNamed('readme.md'), 'the tree row "readme.md"')).click();

    await session.visible(selectors.activeTab('readme.md'), 'an active editor tab "readme.md"');
    const lines = session.page.locator(selectors.editorLines);
    await session.visible(lines.filter({ hasText: 'Quarterly plan' }), 'the file text in the editor');
    await session.screenshot('o1-text-file-open');

    await lines.click();
    await session.page.keyboard.type('typed');
    await session.visible(
      session.page.locator(selectors.editorMessage).filter({ hasText: /read-only/i }),
      'the "Cannot edit in read-only editor" hover',
    );
    await session.screenshot('o2-typing-refused');
    if ((await lines.textContent())?.includes('typed'))
      throw new Error('the read-only editor took the typing');

    await (
      await session.visible(selectors.treeRowNamed('diagram.svg'), 'the tree row "diagram.svg"')
    ).click();
    await session.visible(selectors.activeTab('diagram.svg'), 'an active editor tab "diagram.svg"');
    const image = session.page
      .frameLocator(selectors.webviewFrame)
      .frameLocator(selectors.webviewContent)
      .locator('img');
    await session.visible(image, 'the image in the image preview');
    await session.screenshot('o3-image-preview');
  });

  it('(p) Cancel on the progress notification stops opening a file', async () => {
    // The content goes silent after 64 KB: only a cancel ends this download (the idle timeout is a minute away).
    session.fixture.emulator.faults.freezeAfterBytes = 64 * 1024;
    await session.dismissOverlays();
    await (await session.visible(selectors.treeRowNamed('big.log'), 'the tree row "big.log"')).click();
    await session.openNotificationCenter();
    const progress = session.page
      .locator(selectors.notificationCenterItems)
      .filter({ hasText: 'Opening big.log from Box' })
      .first();
    await session.visible(progress, 'the "Opening big.log from Box" progress notification');
    await session.screenshot('o4-opening-progress');
    const cancel = progress.locator('.monaco-button').filter({ hasText: /^Cancel$/ });
    await (await session.visible(cancel, 'the notification’s Cancel button')).click();
    // The notification closes when the download's task ends, which only the cancel can bring about here.
    await progress.waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
    await session.screenshot('o5-opening-cancelled');
    const failures = session.page
      .locator(selectors.notificationCenterItems)
      .filter({ hasText: 'Could not open' });
    if ((await failures.count()) > 0) throw new Error('a cancel is not a failure');
    if ((await session.page.locator(selectors.activeTab('big.log')).count()) > 0) {
      throw new Error('the cancelled file opened');
    }
  });
});
