// Runs test/integration/** inside a real VS Code through @vscode/test-electron's runTests, against the Box API
// emulator on a generated tree. `npm run test:integration` (needs `npm run host:install` once per machine).
//
// Offline machines (the default): VS Code is code-server + headless Chromium behind scripts/host/code-shim.sh.
// BOX_PULL_DESKTOP_VSCODE=1: omit vscodeExecutablePath so test-electron downloads desktop VS Code instead (needs
// internet access to VS Code's update service, and a display or xvfb-run on Linux).
// BOX_PULL_HOST_EXTENSION_PATH: load another extension directory instead of the repository (host self-tests).
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { startHostFixture } from './fixture';
import { repoRoot } from './hostInstall';

async function main(): Promise<number> {
  const root = repoRoot();
  const desktop = process.env.BOX_PULL_DESKTOP_VSCODE === '1';
  const fixture = await startHostFixture();
  const started = Date.now();
  try {
    console.log(
      `[integration] emulator ${fixture.emulator.baseUrl}, ${fixture.tree.files.length} files in the tree`,
    );
    await runTests({
      ...(desktop ? {} : { vscodeExecutablePath: path.join(root, 'scripts', 'host', 'code-shim.sh') }),
      extensionDevelopmentPath: process.env.BOX_PULL_HOST_EXTENSION_PATH || root,
      extensionTestsPath: path.join(root, 'out', 'test', 'host', 'index.js'),
      launchArgs: [fixture.workspace],
      extensionTestsEnv: {
        ...fixture.extensionEnv,
        // Also as a user setting, so the extension finds the emulator even if it ignores the env override.
        BOX_PULL_HOST_SETTINGS: JSON.stringify({ 'boxPull.apiBaseUrl': fixture.emulator.baseUrl }),
      },
    });
    console.log(`[integration] passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    // test-electron rejects with "Test run failed with code N"; keep N so timeouts (124) stay recognisable.
    const code = (error as { code?: unknown }).code;
    console.error(`[integration] ${error instanceof Error ? error.message : String(error)}`);
    return typeof code === 'number' && code > 0 ? code : 1;
  } finally {
    await fixture.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
