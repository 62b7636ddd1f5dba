// The extension as users get it: packaged, installed, running in Production mode. Whatever launched VS Code may
// have set BOX_PULL_API_URL and BOX_PULL_DEV_TOKEN (here: the emulator and its token, as for the other tests); an
// installed extension must ignore both, so it is not signed in and sends the emulator nothing at all.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../host/hostInstall';
import { names, selectors } from './selectors';
import { STEP_TIMEOUT_MS, UiSession } from './uiSession';

/** `vsce package` into `dir` (its prepublish step rebuilds dist/ for production; `restoreDevBuild` undoes it). */
function packageVsix(dir: string): string {
  const vsix = path.join(dir, 'box-pull.vsix');
  const run = spawnSync(
    'npx',
    ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix],
    { cwd: repoRoot(), encoding: 'utf8' },
  );
  assert.equal(run.status, 0, `vsce package failed:\n${run.stdout}\n${run.stderr}`);
  return vsix;
}

function restoreDevBuild(): void {
  const run = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot(), encoding: 'utf8' });
  assert.equal(run.status, 0, `the development build failed:\n${run.stderr}`);
}

describe('Box Pull installed from its package (Production mode)', function () {
  this.timeout(240_000);
  let session: UiSession | undefined;
  let vsixDir: string;

  before(async function () {
    this.timeout(180_000);
    vsixDir = fs.mkdtempSync(path.join(os.tmpdir(), 'box-pull-vsix-'));
    // BOX_PULL_UI_VSIX tests a package made elsewhere (a release candidate, or an older version for comparison).
    let vsix = process.env.BOX_PULL_UI_VSIX;
    if (!vsix) {
      try {
        vsix = packageVsix(vsixDir);
      } finally {
        restoreDevBuild();
      }
    }
    session = await UiSession.start({ installVsix: vsix });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.screenshot('production-mode-failure').catch(() => '(screenshot failed)');
      console.log(`    screenshot: ${file}\n    recent console:\n${session.recentConsole()}`);
    }
  });

  after(async () => {
    await session?.close();
    fs.rmSync(vsixDir, { recursive: true, force: true });
  });

  it('ignores BOX_PULL_API_URL and BOX_PULL_DEV_TOKEN: the sign-in view, and no request reaches the emulator', async () => {
    const ui = session!;
    await (
      await ui.visible(selectors.activityBarItem(names.viewContainerTitle), 'the "Box" activity bar item')
    ).click();
    await ui.visible(
      ui.page.getByRole('button', { name: names.welcomeSignIn, exact: true }),
      'the signed-out welcome view of the Box view',
    );
    await ui.screenshot('production-mode-signed-out');
    // The welcome view shows as soon as the stored sessions are read; a command waits for the environment's
    // sign-in too, so its answer is the settled state: nobody signed in.
    await ui.runCommand(names.downloadFolderCommand);
    const pickerOpen = await ui.page
      .locator(selectors.quickInput)
      .waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS })
      .then(
        () => false,
        () => true,
      );
    if (pickerOpen) await ui.screenshot('production-mode-picker-open');
    assert.equal(
      pickerOpen,
      false,
      'a quick pick stayed open: the Box folder picker of a signed-in extension',
    );
    // The warning may land after the Notification Center was opened (empty, it closes again): reopen until seen.
    const warning = ui.page.locator(selectors.notificationCenterItems).filter({ hasText: names.signInFirst });
    let seen = false;
    for (let attempt = 0; attempt < 6 && !seen; attempt++) {
      await ui.openNotificationCenter();
      seen = await ui.appears(warning, 5_000);
    }
    assert.ok(seen, `the "${names.signInFirst}" warning is in the Notification Center`);
    await ui.screenshot('production-mode-sign-in-first');
    assert.equal(
      ui.fixture.emulator.stats.requests,
      0,
      `requests the emulator got: ${JSON.stringify(ui.fixture.emulator.stats.byPath)}`,
    );
  });
});
