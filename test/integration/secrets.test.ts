// No secret on disk in the clear: after a client-credentials sign-in (so a client secret is in play) and a pull,
// the "Box Pull" output channel's log file, every other log the workbench wrote, and the user settings.json hold
// neither the access tokens the emulator issued, nor the client secret, nor the developer token.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_APP, DEFAULT_USER } from '../../src/emulator/options';
import type { BoxPullTestApi } from '../../src/vscode/api';
import { issuedTokens } from './emulator';
import {
  channelLog,
  destinationFolder,
  download,
  env,
  filesUnder,
  findRow,
  getApi,
  makeBoxFolder,
  refreshTree,
  remove,
  requireEnv,
  ScriptedPrompter,
  value,
  withPrompter,
} from './helpers';

const FOLDER = 'it-secrets';

suite('Secrets on disk', () => {
  let api: BoxPullTestApi;
  const destination = () => path.join(env.workspace, FOLDER);

  suiteSetup(async () => {
    api = await getApi();
    await makeBoxFolder(FOLDER, { 'a.txt': 'a', 'b/c.txt': 'c' });
    // Everything the extension logs, debug and trace included, must be safe to write.
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 'trace');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 'info');
    // The other suites expect the developer token session from BOX_PULL_DEV_TOKEN.
    const prompter = new ScriptedPrompter().on('developerToken', value(env.devToken));
    await withPrompter(api, prompter, () => vscode.commands.executeCommand('boxPull.useDeveloperToken'));
    await remove(path.join(env.testRoot, FOLDER), destination());
  });

  test('after a client-credentials sign-in and a pull, no token or client secret is in the logs or settings', async () => {
    const signIn = new ScriptedPrompter()
      .on('ccgClientId', value(DEFAULT_APP.clientId))
      .on('ccgClientSecret', value(DEFAULT_APP.clientSecret))
      .on('ccgSubjectType', value('user'))
      .on('ccgSubjectId', value(DEFAULT_USER.id));
    assert.ok(
      await withPrompter(api, signIn, () =>
        vscode.commands.executeCommand('boxPull.signInWithClientCredentials'),
      ),
    );
    assert.equal(api.account()?.kind, 'clientCredentials');
    await refreshTree();
    const row = await findRow(api, FOLDER);
    const pull = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, pull, () => download(row.node));
    assert.equal(outcome.status, 'completed', outcome.message);

    const tokens = await issuedTokens();
    assert.ok(tokens.length > 0, 'the sign-in got an access token from the emulator');
    const secrets = [...tokens, DEFAULT_APP.clientSecret, env.devToken];

    const userData = requireEnv('BOX_PULL_HOST_USER_DATA');
    const logsDir = path.join(userData, 'logs');
    // Proves the right file is read: the channel's log has the lines of this very pull.
    await channelLog(logsDir, `Download of folder ${row.item.id!.replace(/^folder:/, '')} into`);
    const settingsFile = path.join(userData, 'User', 'settings.json');
    assert.match(await fs.readFile(settingsFile, 'utf8'), /boxPull\.apiBaseUrl/, 'the user settings.json');

    const leaks: string[] = [];
    for (const file of [...(await filesUnder(logsDir)), settingsFile]) {
      const text = await fs.readFile(file, 'utf8');
      for (const secret of secrets) {
        if (text.includes(secret))
          leaks.push(`${path.relative(userData, file)} holds ${secret.slice(0, 4)}…`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});
