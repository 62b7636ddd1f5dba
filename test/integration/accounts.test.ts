// What belongs to an account stays with it: sign-out removes its tokens (revoked at Box, or says it could not), its
// recent folders and, if the user says so, the app's client secret; a session is never sent to another server than
// the one that issued it; and a session that fails takes only its own account with it.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_APP, DEFAULT_USER, ENTERPRISE_ID, SERVICE_ACCOUNT } from '../../src/emulator/options';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { SignOutOutcome } from '../../src/vscode/auth/signOut';
import type { DownloadOutcome } from '../../src/vscode/download/downloadRunner';
import { startCaptureServer } from '../helpers/captureServer';
import { currentFaults, issuedTokens, resetFaults, setFaults } from './emulator';
import {
  browse,
  ccgPrompter,
  channelLog,
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  makeBoxFolder,
  recentFolderIds,
  refreshTree,
  remove,
  requireEnv,
  rows,
  ScriptedPrompter,
  setSetting,
  signInWithDeveloperToken,
  value,
  withPrompter,
} from './helpers';

const FOLDER = 'it-accounts';

/** Browser sign-in with the emulator's app; the client id and secret are answered only if asked. */
async function signInWithBrowser(api: BoxPullTestApi): Promise<ScriptedPrompter> {
  const prompter = new ScriptedPrompter()
    .on('oauthClientId', value(DEFAULT_APP.clientId))
    .on('oauthClientSecret', value(DEFAULT_APP.clientSecret))
    .on('browser', browse);
  api.setPrompterForTests(prompter);
  try {
    assert.ok(await vscode.commands.executeCommand('boxPull.signIn'), 'signed in with the browser');
  } finally {
    api.setPrompterForTests(undefined);
  }
  assert.equal(api.account()?.kind, 'oauth');
  return prompter;
}

async function status(apiUrl: string, token: string): Promise<number> {
  const response = await fetch(`${apiUrl}/2.0/users/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

async function signOut(api: BoxPullTestApi, forgetSecret?: boolean): Promise<SignOutOutcome> {
  const prompter = new ScriptedPrompter();
  if (forgetSecret !== undefined) prompter.on('forgetClientSecret', value(forgetSecret));
  const outcome = await withPrompter(api, prompter, () =>
    vscode.commands.executeCommand<SignOutOutcome | undefined>('boxPull.signOut'),
  );
  assert.ok(outcome, 'someone was signed out');
  return outcome;
}

suite('Accounts: sign-out, issuers, failures', () => {
  let api: BoxPullTestApi;
  let boxFolderId: string;
  /** The emulator: BOX_PULL_API_URL as the test host set it (tests here move the variable). */
  let emulatorUrl: string;
  /** The user setting as the test host wrote it, put back after each test. */
  let apiBaseUrlSetting: unknown;

  suiteSetup(async () => {
    api = await getApi();
    emulatorUrl = env.apiUrl;
    apiBaseUrlSetting = vscode.workspace.getConfiguration('boxPull').inspect('apiBaseUrl')?.globalValue;
    await makeBoxFolder(FOLDER, { 'a.txt': 'a' });
  });

  teardown(async () => {
    await resetFaults();
    process.env.BOX_PULL_API_URL = emulatorUrl;
    await setSetting('apiBaseUrl', apiBaseUrlSetting);
  });

  suiteTeardown(async () => {
    // Other suites sign in with the browser from scratch: no remembered client id or secret.
    await signInWithBrowser(api);
    await signOut(api, true);
    await setSetting('oauthClientId', undefined);
    // The other suites expect the developer token session from BOX_PULL_DEV_TOKEN.
    await signInWithDeveloperToken(api);
    await remove(path.join(env.testRoot, FOLDER), path.join(env.workspace, FOLDER));
  });

  test('sign-out revokes the tokens, forgets the recent folders and, when asked to, the client secret', async () => {
    const before = new Set(await issuedTokens());
    await signInWithBrowser(api);
    const tokens = (await issuedTokens()).filter((token) => !before.has(token));
    assert.ok(tokens.length >= 2, 'an access and a refresh token were issued');
    await refreshTree();
    const row = await findRow(api, FOLDER);
    boxFolderId = row.item.id!.replace(/^folder:/, '');
    const pull = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, pull, () => download(row.node));
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.deepEqual(await recentFolderIds(api), [boxFolderId], 'the folder is a recent one');

    const signedOut = await signOut(api, true);
    assert.equal(signedOut.accountId, DEFAULT_USER.id);
    assert.equal(signedOut.revoked, true, signedOut.message);
    assert.equal(signedOut.forgotClientSecret, true);
    assert.equal(api.account(), undefined);
    for (const token of tokens) assert.equal(await status(emulatorUrl, token), 401, 'revoked at Box');

    // The same user again: no recent folders, and the client secret is asked for again.
    const again = await signInWithBrowser(api);
    assert.ok(again.asked.includes('oauthClientSecret'), `asked: ${again.asked.join(', ')}`);
    assert.deepEqual(await recentFolderIds(api), [], 'recent folders went with the sign-out');
    const kept = await signOut(api, false);
    assert.equal(kept.forgotClientSecret, false);
    const third = await signInWithBrowser(api);
    assert.ok(!third.asked.includes('oauthClientSecret'), 'kept when the user said so');
  });

  test('a revoke that fails: the session is gone here, and the outcome says Box did not revoke it', async () => {
    if (api.account()?.kind !== 'oauth') await signInWithBrowser(api);
    const before = new Set(await issuedTokens());
    await setFaults({ serverErrors: { remaining: 100, status: 500, pathPrefix: '/oauth2/revoke' } });
    const outcome = await signOut(api, false);
    assert.equal(outcome.revoked, false);
    assert.match(outcome.message, /could not revoke/);
    assert.doesNotMatch(outcome.message, /\n/);
    assert.equal(api.account(), undefined, 'signed out here all the same');
    assert.equal((await issuedTokens()).filter((token) => !before.has(token)).length, 0);
  });

  test('pointed at another server, the session counts as signed out and sends it nothing; pointed back, it works', async () => {
    await signInWithBrowser(api);
    const capture = await startCaptureServer();
    try {
      process.env.BOX_PULL_API_URL = capture.url;
      await setSetting('apiBaseUrl', capture.url); // the change event; the variable wins in test hosts
      await refreshTree();
      assert.deepEqual(await rows(api), [], 'the welcome view instead of rows');
      const nothing = await withPrompter(api, new ScriptedPrompter(), () =>
        vscode.commands.executeCommand('boxPull.downloadFolder'),
      );
      assert.equal(nothing, undefined);
      assert.equal(api.account()?.kind, 'oauth', 'kept for when the address comes back');
      assert.deepEqual(capture.requests, [], 'no token, refresh token, client id or secret went there');

      process.env.BOX_PULL_API_URL = emulatorUrl;
      await setSetting('apiBaseUrl', emulatorUrl);
      await refreshTree();
      assert.ok((await rows(api)).length > 0, 'the same session lists the root again');

      // Signing out while pointed elsewhere revokes at the server that issued the tokens, not at the stranger.
      process.env.BOX_PULL_API_URL = capture.url;
      await setSetting('apiBaseUrl', undefined);
      const outcome = await signOut(api, false);
      assert.equal(outcome.revoked, true, outcome.message);
      assert.deepEqual(capture.requests, []);
    } finally {
      await capture.close();
    }
  });

  test('a plain http:// address off this machine is refused in one line before anything is sent', async () => {
    process.env.BOX_PULL_API_URL = 'http://box.example';
    await setSetting('apiBaseUrl', 'http://box.example');
    const account = await signInWithDeveloperToken(api);
    assert.equal(account, undefined, 'the developer token was not sent to http://box.example');
    // The reason, in the log as in the notification, is the refusal, not a failed connection.
    await channelLog(
      path.join(requireEnv('BOX_PULL_HOST_USER_DATA'), 'logs'),
      'Refusing http://box.example: plain http:// is allowed only for loopback addresses',
    );
  });

  test('a session that fails during a download takes its own account with it, not the one made active since', async () => {
    const before = new Set(await issuedTokens());
    await signInWithBrowser(api); // A: the emulator user, by OAuth
    await refreshTree();
    const row = await findRow(api, FOLDER);
    // A's download is told to wait (429, Retry-After) at its first request: time to switch accounts under it.
    await setFaults({ rateLimit: { remaining: 1, retryAfterSeconds: 6, pathPrefix: '/2.0/' } });
    const prompter = ccgPrompter('enterprise', ENTERPRISE_ID).on(
      'destination',
      destinationFolder(env.workspace),
    );
    api.setPrompterForTests(prompter);
    try {
      const downloadA = download(row.node);
      for (let i = 0; i < 200 && (await currentFaults()).rateLimit?.remaining !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal((await currentFaults()).rateLimit?.remaining, 0, 'the download got its 429');
      // A's session ends at Box (every token issued since A signed in)...
      for (const token of (await issuedTokens()).filter((candidate) => !before.has(candidate))) {
        await fetch(`${emulatorUrl}/oauth2/revoke`, {
          method: 'POST',
          body: new URLSearchParams({
            token,
            client_id: DEFAULT_APP.clientId,
            client_secret: DEFAULT_APP.clientSecret,
          }),
        });
      }
      // ...and B, the enterprise's service account, signs in and becomes the active account.
      assert.ok(await vscode.commands.executeCommand('boxPull.signInWithClientCredentials'));
      assert.equal(api.account()?.id, SERVICE_ACCOUNT.id);
      const outcome: DownloadOutcome = await downloadA;
      assert.equal(outcome.status, 'failed', outcome.message);
    } finally {
      api.setPrompterForTests(undefined);
    }
    assert.equal(api.account()?.id, SERVICE_ACCOUNT.id, 'B is still signed in and active');
    const accounts = (await vscode.authentication.getAccounts('box')).map((account) => account.label);
    assert.ok(accounts.includes(SERVICE_ACCOUNT.login), accounts.join(', '));
    assert.ok(!accounts.includes(DEFAULT_USER.login), `A went with its failure: ${accounts.join(', ')}`);
    assert.equal((await signOut(api)).accountId, SERVICE_ACCOUNT.id);
  });
});
