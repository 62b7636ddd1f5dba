// The world both real-VS-Code layers test against: a generated "Box account" on disk served by the emulator on
// 127.0.0.1, and an empty workspace folder for the extension to download into.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { makeTree, type TreeResult } from '../helpers/tree';
import { startEmulatorControl } from './emulatorControl';

export interface HostFixture {
  emulator: RunningEmulator;
  /** The directory the emulator serves as "All Files" (folder id 0). */
  treeRoot: string;
  tree: TreeResult;
  /** Empty folder opened as the workspace. */
  workspace: string;
  /**
   * Env for the extension host: where the API is, the token that signs in, where the test data lives, and how to
   * reach the emulator's fault knobs from there (test/host/emulatorControl.ts).
   */
  extensionEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startHostFixture(seed = 20240611): Promise<HostFixture> {
  // realpath: VS Code reports workspace folders by their real path, so comparisons in the tests stay simple.
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'box-pull-fixture-')));
  const treeRoot = path.join(base, 'box');
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(workspace);
  try {
    const tree = await makeTree(treeRoot, {
      seed,
      files: 40,
      maxDepth: 3,
      minSize: 0,
      maxSize: 64 * 1024,
      emptyFolders: 2,
    });
    const emulator = await startEmulator({ root: treeRoot });
    const control = await startEmulatorControl(emulator).catch(async (error: unknown) => {
      await emulator.close();
      throw error;
    });
    return {
      emulator,
      treeRoot,
      tree,
      workspace,
      extensionEnv: {
        BOX_PULL_API_URL: emulator.baseUrl,
        BOX_PULL_DEV_TOKEN: emulator.token,
        BOX_PULL_TEST_ROOT: treeRoot,
        BOX_PULL_TEST_WORKSPACE: workspace,
        BOX_PULL_EMULATOR_CONTROL_URL: control.url,
        BOX_PULL_EMULATOR_CONTROL_TOKEN: control.token,
      },
      async close() {
        await control.close();
        await emulator.close();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(base, { recursive: true, force: true });
    throw error;
  }
}
