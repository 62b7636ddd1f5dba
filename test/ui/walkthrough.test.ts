// The getting-started walkthrough in a real workbench: "Box: Get Started" opens it, its four steps are listed, the
// sign-in step is already checked (the session is signed in), and each step shows its page. Screenshots w1–w3.
import * as assert from 'node:assert/strict';
import { names, selectors } from './selectors';
import { UiSession } from './uiSession';

describe('Getting-started walkthrough in the VS Code UI', function () {
  this.timeout(180_000);
  let session: UiSession;

  before(async function () {
    this.timeout(120_000);
    session = await UiSession.start();
  });

  after(async () => {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('w-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  it('(w) Box: Get Started shows sign in, browse, download and pull updates, sign-in done', async () => {
    await session.dismissOverlays();
    // The walkthrough shows its pictures only when the editor is wide enough: give it the whole window.
    await session.page.locator(selectors.workbench).click({ position: { x: 700, y: 450 } });
    if (await session.page.locator('.part.auxiliarybar').isVisible())
      await session.page.keyboard.press('Control+Alt+B');
    if (await session.page.locator('.part.sidebar').isVisible())
      await session.page.keyboard.press('Control+B');
    await session.runCommand(names.getStartedCommand);
    const page = await session.visible(
      session.page.locator(selectors.walkthroughPage).filter({ hasText: names.walkthroughTitle }),
      'the walkthrough page',
    );
    const step = (title: string) =>
      page.locator(selectors.walkthroughStep).filter({ hasText: title }).first();
    for (const title of names.walkthroughSteps) await session.visible(step(title), `the step "${title}"`);
    await session.visible(
      step(names.walkthroughSteps[0]).locator(selectors.walkthroughStepDone),
      'the sign-in step checked (signed in with BOX_PULL_DEV_TOKEN)',
    );
    assert.equal(
      await step(names.walkthroughSteps[3]).locator(selectors.walkthroughStepDone).count(),
      0,
      'pull updates not done yet',
    );
    await session.screenshot('w1-walkthrough-sign-in');

    await step(names.walkthroughSteps[2]).click();
    await session.visible(
      step(names.walkthroughSteps[2]).getByRole('button', { name: 'Download a Folder' }),
      'the download step opened, with its button',
    );
    // The step's picture (media/walkthrough/download-*.svg) beside the steps, described for screen readers.
    await session.visible(
      session.page.locator(selectors.walkthroughMediaImage).filter({ visible: true }).first(),
      "the download step's picture",
    );
    assert.match(
      (await session.page
        .locator(selectors.walkthroughMediaImage)
        .filter({ visible: true })
        .first()
        .getAttribute('alt')) ?? '',
      /last browsed folder second/,
    );
    await session.screenshot('w2-walkthrough-download');

    await step(names.walkthroughSteps[3]).click();
    await session.visible(
      step(names.walkthroughSteps[3]).locator(selectors.walkthroughStepDone),
      'pull updates checked once read (onStepSelected)',
    );
    await session.screenshot('w3-walkthrough-pull-updates');
  });
});
