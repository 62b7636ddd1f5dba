// A download that fails for good (faults injected into the emulator through the test host's control endpoint):
// the user is told why in one line, and the destination is left exactly as it was.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { BoxPullTestApi } from '../../src/vscode/api';
import { resetFaults, setFaults } from './emulator';
import {
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  makeBoxFolder,
  prefilledDestination,
  refreshTree,
  remove,
  ScriptedPrompter,
  withPrompter,
} from './helpers';

const FOLDER = 'it-failure';

suite('Failed downloads', () => {
  let api: BoxPullTestApi;
  let target: ReturnType<typeof prefilledDestination>;

  suiteSetup(async () => {
    api = await getApi();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`part-${i}.bin`] = randomBytes(32 * 1024);
    await makeBoxFolder(FOLDER, files);
    await refreshTree();
    target = prefilledDestination(FOLDER, { 'mine.txt': 'mine\n', 'part-2.bin': 'my part 2\n' });
  });

  setup(() => target.prepare());

  teardown(async () => {
    await resetFaults();
    await remove(target.path);
  });

  suiteTeardown(async () => {
    await remove(path.join(env.testRoot, FOLDER));
    await target.dispose();
  });

  async function pullExpectingFailure(): Promise<string> {
    const row = await findRow(api, FOLDER);
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () => download(row.node));
    assert.equal(outcome.status, 'failed', outcome.message);
    assert.doesNotMatch(outcome.message, /\n/, 'one line');
    await target.assertUnchanged();
    assert.deepEqual(api.downloads.list(), []);
    return outcome.message;
  }

  test('Box answering 503 to every zip_downloads request: the reason is shown, nothing changes', async () => {
    // More 503s than the client's five attempts; Retry-After 0 keeps its back-off short.
    await setFaults({
      serverErrors: { remaining: 10, status: 503, retryAfterSeconds: 0, pathPrefix: '/2.0/zip_downloads' },
    });
    const message = await pullExpectingFailure();
    assert.equal(
      message,
      'Box download failed: Box is having trouble (error 503). Try again in a few minutes.',
    );
  });

  test('the ZIP stream cut on every attempt: the reason is shown, nothing changes', async () => {
    await setFaults({ cutAfterBytes: 40 * 1024 });
    const message = await pullExpectingFailure();
    assert.match(message, /^Box download failed: \S/);
  });
});
