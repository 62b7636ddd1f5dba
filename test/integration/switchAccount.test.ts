// Several Box accounts at once (issue #14, item 8): signing in again adds an account instead of replacing the one in
// use, Box: Switch Account changes what the tree lists and what the view's description names, and recent folders
// belong to the account that downloaded them. And the sign-in of a remote window (item 9): the address the browser
// ends on, pasted, finishes it.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_APP, DEFAULT_USER, ENTERPRISE_ID, SERVICE_ACCOUNT } from '../../src/emulator/options';
import type { BoxPullTestApi } from '../../src/vscode/api';
import type { InputRequest, PickItem, PickRequest } from '../../src/vscode/prompter';
import { currentFaults, resetFaults, setFaults } from './emulator';
import {
  ccgPrompter,
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  makeBoxFolder,
  recentFolderIds,
  refreshTree,
  remove,
  rows,
  ScriptedPrompter,
  setSetting,
  signInWithDeveloperToken,
  value,
  withPrompter,
} from './helpers';

/** Only the emulator user sees this one (the service account is not shared on it). */
const PRIVATE = 'it-switch-private';
const SHARED = 'it-switch-shared';

async function labels(api: BoxPullTestApi): Promise<string[]> {
  return (await rows(api)).map((row) => row.label);
}

async function boxAccounts(): Promise<string[]> {
  return (await vscode.authentication.getAccounts('box')).map((account) => account.label);
}

/** Box: Switch Account, choosing `accountId`; hands the offered items to `inspect` first. */
async function switchTo(
  api: BoxPullTestApi,
  accountId: string,
  inspect: (items: PickItem<string>[]) => void = () => undefined,
): Promise<void> {
  const prompter = new ScriptedPrompter().on('switchAccount', async (request) => {
    const items = await (request as PickRequest<string>).items;
    inspect(items);
    return accountId;
  });
  const account = await withPrompter(api, prompter, () =>
    vscode.commands.executeCommand<{ id: string } | undefined>('boxPull.switchAccount'),
  );
  assert.equal(account?.id, accountId, `signed in: ${(await boxAccounts()).join(', ')}`);
  assert.equal(api.account()?.id, accountId);
}

/** Adds the enterprise's service account through Box: Add Account (client credentials). */
async function addServiceAccount(api: BoxPullTestApi): Promise<void> {
  const prompter = ccgPrompter('enterprise', ENTERPRISE_ID).on('signInMethod', value('clientCredentials'));
  const account = await withPrompter(api, prompter, () =>
    vscode.commands.executeCommand<{ id: string } | undefined>('boxPull.addAccount'),
  );
  assert.equal(account?.id, SERVICE_ACCOUNT.id, 'Add Account signed the service account in');
}

suite('Accounts: add, switch, recent folders per account, remote sign-in', () => {
  let api: BoxPullTestApi;

  suiteSetup(async () => {
    api = await getApi();
    await makeBoxFolder(PRIVATE, { 'mine.txt': 'only the user sees this' });
    await makeBoxFolder(SHARED, { 'ours.txt': 'both see this' });
  });

  setup(async () => {
    await setFaults({ hiddenFromServiceAccount: [PRIVATE] });
  });

  teardown(async () => {
    await resetFaults();
    await setSetting('signInRedirect', undefined);
    // Back to the developer token session alone, as the other suites expect.
    for (const account of [SERVICE_ACCOUNT, DEFAULT_USER]) {
      if (!(await boxAccounts()).includes(account.login)) continue;
      if (api.account()?.id !== account.id) await switchTo(api, account.id);
      const prompter = new ScriptedPrompter();
      if (api.account()?.kind === 'oauth') prompter.on('forgetClientSecret', value(true));
      await withPrompter(api, prompter, () => vscode.commands.executeCommand('boxPull.signOut'));
    }
    await setSetting('oauthClientId', undefined);
    assert.ok(await signInWithDeveloperToken(api), 'the developer token signed back in');
    await refreshTree();
  });

  suiteTeardown(async () => {
    await remove(
      path.join(env.testRoot, PRIVATE),
      path.join(env.testRoot, SHARED),
      path.join(env.workspace, SHARED),
    );
  });

  test('signing in again adds an account; switching changes the tree and the view description', async () => {
    assert.equal(api.account()?.id, DEFAULT_USER.id, 'the developer token session to start with');
    await refreshTree();
    assert.ok((await labels(api)).includes(PRIVATE), 'the user sees the private folder');
    assert.equal(api.viewDescription(), DEFAULT_USER.login);

    await addServiceAccount(api);
    const both = await boxAccounts();
    assert.ok(both.includes(DEFAULT_USER.login) && both.includes(SERVICE_ACCOUNT.login), both.join(', '));
    assert.equal(api.viewDescription(), SERVICE_ACCOUNT.login);
    assert.ok(!(await labels(api)).includes(PRIVATE), 'the service account does not see it');
    assert.ok((await labels(api)).includes(SHARED));

    await switchTo(api, DEFAULT_USER.id, (items) => {
      const current = items.filter((item) => /current/.test(item.description ?? ''));
      assert.deepEqual(
        current.map((item) => item.value),
        [SERVICE_ACCOUNT.id],
        'the account in use is marked',
      );
      assert.ok(items.some((item) => item.value === DEFAULT_USER.id));
    });
    assert.equal(api.viewDescription(), DEFAULT_USER.login);
    assert.ok((await labels(api)).includes(PRIVATE), 'the tree lists the user’s folders again');
    assert.deepEqual((await boxAccounts()).sort(), both.sort(), 'switching signed nobody out');
  });

  test('a download’s folder becomes a recent folder of the account that ran it, not of the one switched to', async () => {
    await addServiceAccount(api);
    await switchTo(api, DEFAULT_USER.id);
    const row = await findRow(api, SHARED);
    const folderId = row.item.id!.replace(/^folder:/, '');
    // The user's download is told to wait (429, Retry-After) at its first request: time to switch under it.
    await setFaults({ rateLimit: { remaining: 1, retryAfterSeconds: 3, pathPrefix: '/2.0/' } });
    const pull = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    api.setPrompterForTests(pull);
    let downloading: Promise<unknown>;
    try {
      downloading = download(row.node);
      for (let i = 0; i < 200 && (await currentFaults()).rateLimit?.remaining !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal((await currentFaults()).rateLimit?.remaining, 0, 'the download got its 429');
    } finally {
      api.setPrompterForTests(undefined);
    }
    await switchTo(api, SERVICE_ACCOUNT.id);
    const outcome = (await downloading) as { status: string; message: string };
    assert.equal(outcome.status, 'completed', outcome.message);

    assert.deepEqual(await recentFolderIds(api), [], 'not a recent folder of the service account');
    await switchTo(api, DEFAULT_USER.id);
    assert.deepEqual(await recentFolderIds(api), [folderId], 'a recent folder of the user who downloaded it');
  });

  test('a remote window’s sign-in finishes with the address the browser shows, pasted', async function () {
    this.timeout(60_000);
    await setSetting('signInRedirect', 'paste'); // what a remote window without a forwarded port decides
    let landed = '';
    const prompter = new ScriptedPrompter()
      .on('oauthClientId', value(DEFAULT_APP.clientId))
      .on('oauthClientSecret', value(DEFAULT_APP.clientSecret))
      // The browser is on another machine: it follows Box's redirect to a loopback address it cannot reach.
      .on('browser', async (url) => {
        const response = await fetch(String(url), { redirect: 'manual' });
        await response.arrayBuffer();
        landed = response.headers.get('location') ?? '';
        return true;
      })
      .on('pasteSignInAddress', (request) => {
        const { validate } = request as InputRequest;
        assert.match(
          landed,
          /^http:\/\/127\.0\.0\.1:\d+\/callback\?/,
          'Box sent the browser to the loopback',
        );
        const forged = landed.replace(/state=[^&]+/, `state=${'0'.repeat(64)}`);
        assert.equal(validate?.(forged), 'That address belongs to another sign-in attempt.');
        assert.equal(validate?.(landed), undefined);
        return landed;
      });
    api.setPrompterForTests(prompter);
    let account: { id: string } | undefined;
    try {
      account = await vscode.commands.executeCommand('boxPull.signIn');
    } finally {
      api.setPrompterForTests(undefined);
    }
    assert.ok(prompter.asked.includes('pasteSignInAddress'), `asked: ${prompter.asked.join(', ')}`);
    assert.equal(account?.id, DEFAULT_USER.id, 'signed in through the pasted address');
    assert.equal(api.account()?.kind, 'oauth');
    await refreshTree();
    assert.ok((await labels(api)).length > 0, 'the new session lists the root');
  });
});
