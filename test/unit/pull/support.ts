// The emulator fixture the pull suites share: a sandbox whose `account` folder is served as a Box account, fresh
// destinations in the sandbox, and clients for the running emulator.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoxClient } from '../../../src/core/box/client';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index';
import type { EmulatorOptions } from '../../../src/emulator/options';

export interface EmulatorFixture {
  /** Set in `before`: the sandbox, and the account folder inside it. */
  readonly sandbox: string;
  readonly root: string;
  /** Running during each test. */
  readonly emulator: RunningEmulator;
  /** A destination no test used before. */
  dest(): string;
  client(extra?: Partial<ConstructorParameters<typeof BoxClient>[0]>): BoxClient;
}

/**
 * Registers the suite's mocha hooks: `build(root)` fills the account once; the emulator starts for each test (so
 * faults and stats start fresh) or, with `once`, for the whole suite.
 */
export function emulatorFixture(
  prefix: string,
  build: (root: string) => Promise<void>,
  options: { once?: boolean; emulator?: Omit<EmulatorOptions, 'root'> } = {},
): EmulatorFixture {
  let sandbox = '';
  let emulator: RunningEmulator | undefined;
  let dests = 0;
  const root = () => path.join(sandbox, 'account');
  const start = async () => {
    emulator = await startEmulator({ ...options.emulator, root: root() });
  };
  const stop = async () => {
    await emulator?.close();
    emulator = undefined;
  };
  before(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    await fs.mkdir(root());
    await build(root());
    if (options.once) await start();
  });
  if (!options.once) {
    beforeEach(start);
    afterEach(stop);
  }
  after(async function () {
    if (options.once) await stop();
    if (sandbox) await fs.rm(sandbox, { recursive: true, force: true });
  });
  return {
    get sandbox() {
      return sandbox;
    },
    get root() {
      return root();
    },
    get emulator() {
      if (!emulator) throw new Error('the emulator runs only during a test');
      return emulator;
    },
    dest: () => path.join(sandbox, `dest-${++dests}`),
    client: (extra = {}) =>
      new BoxClient({
        baseUrl: emulator!.baseUrl,
        tokenProvider: { getAccessToken: async () => emulator!.token },
        ...extra,
      }),
  };
}
