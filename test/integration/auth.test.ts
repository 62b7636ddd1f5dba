// Sign-in flows against the emulator's OAuth endpoints and the sign-out path. Every suite leaves the developer
// token session from BOX_PULL_DEV_TOKEN in place for the others.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DEFAULT_APP, DEFAULT_USER } from '../../src/emulator/options';
import type { BoxPullTestApi } from '../../src/vscode/api';
import {
  browse,
  getApi,
  refreshTree,
  rows,
  ScriptedPrompter,
  setSetting,
  signInWithDeveloperToken,
  value,
  withPrompter,
} from './helpers';

suite('Authentication', () => {
  let api: BoxPullTestApi;

  suiteSetup(async () => {
    api = await getApi();
  });

  suiteTeardown(async () => {
    await setSetting('oauthClientId', undefined);
    if (api.account()?.kind !== 'developerToken') await signInWithDeveloperToken(api);
    await refreshTree();
  });

  test('sign out empties the tree; a developer token signs back in', async () => {
    assert.ok(await vscode.commands.executeCommand('boxPull.signOut'));
    assert.equal(api.account(), undefined);
    await refreshTree();
    assert.deepEqual(await rows(api), [], 'signed out: the welcome view shows instead of rows');
    const nothing = await withPrompter(api, new ScriptedPrompter(), () =>
      vscode.commands.executeCommand('boxPull.downloadFolder'),
    );
    assert.equal(nothing, undefined, 'signed out: no folder picker, a sign-in warning instead');

    const account = await signInWithDeveloperToken(api);
    assert.ok(account, 'signed in');
    assert.equal(api.account()?.kind, 'developerToken');
    await refreshTree();
    assert.ok((await rows(api)).length > 0);
  });

  test('a token Box refuses does not replace the session', async () => {
    const before = api.account();
    const account = await signInWithDeveloperToken(api, 'not-a-valid-token');
    assert.equal(account, undefined);
    assert.deepEqual(api.account(), before);
  });

  test('browser sign-in with the user’s own app goes through the loopback redirect', async () => {
    const prompter = new ScriptedPrompter()
      .on('oauthClientId', value(DEFAULT_APP.clientId))
      .on('oauthClientSecret', value(DEFAULT_APP.clientSecret))
      .on('browser', browse);
    const account = await withPrompter(api, prompter, () => vscode.commands.executeCommand('boxPull.signIn'));
    assert.ok(account, 'signed in');
    assert.equal(api.account()?.kind, 'oauth');
    assert.equal(vscode.workspace.getConfiguration('boxPull').get('oauthClientId'), DEFAULT_APP.clientId);
    await refreshTree();
    assert.ok((await rows(api)).length > 0, 'the OAuth token lists the root');

    // The secret is remembered: a second sign-in only opens the browser.
    const again = new ScriptedPrompter().on('browser', browse);
    assert.ok(await withPrompter(api, again, () => vscode.commands.executeCommand('boxPull.signIn')));

    // The session shows in VS Code's Accounts menu through the "box" authentication provider.
    const accounts = await vscode.authentication.getAccounts('box');
    assert.ok(
      accounts.some((account) => account.label === DEFAULT_USER.login),
      JSON.stringify(accounts),
    );

    const signOut = new ScriptedPrompter().on('forgetClientSecret', value(false));
    assert.ok(await withPrompter(api, signOut, () => vscode.commands.executeCommand('boxPull.signOut')));
    assert.equal(api.account(), undefined);
    const after = await vscode.authentication.getAccounts('box');
    assert.ok(!after.some((account) => account.label === DEFAULT_USER.login), 'gone from the Accounts menu');
  });

  test('client credentials sign in as a managed user; a wrong subject is refused', async () => {
    const ccg = (subjectId: string) =>
      new ScriptedPrompter()
        .on('ccgClientId', value(DEFAULT_APP.clientId))
        .on('ccgClientSecret', value(DEFAULT_APP.clientSecret))
        .on('ccgSubjectType', value('user'))
        .on('ccgSubjectId', value(subjectId));
    const run = (prompter: ScriptedPrompter) =>
      withPrompter(api, prompter, () =>
        vscode.commands.executeCommand('boxPull.signInWithClientCredentials'),
      );

    const before = api.account();
    assert.equal(await run(ccg('999')), undefined, 'Box refuses a subject the app cannot act for');
    assert.deepEqual(api.account(), before);

    assert.ok(await run(ccg(DEFAULT_USER.id)));
    assert.equal(api.account()?.kind, 'clientCredentials');
    assert.equal(api.account()?.id, DEFAULT_USER.id);
    await refreshTree();
    assert.ok((await rows(api)).length > 0, 'the client-credentials token lists the root');
  });
});
