// What a user reads when Box says no: what happened and what to do (core/failureText), never "Box answered 404
// not_found for GET …". The raw answer, with the request and Box's request id, is in the log behind Show Log, and at
// the default Info level the log carries no stack traces.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxPullTestApi } from '../../src/vscode/api';
import { resetFaults, setFaults } from './emulator';
import {
  destinationFolder,
  download,
  env,
  findRow,
  getApi,
  logOnceItHas,
  makeBoxFolder,
  refreshTree,
  remove,
  rows,
  ScriptedPrompter,
  withPrompter,
} from './helpers';

const FOLDER = 'it-error-text';
const GONE = 'This folder no longer exists on Box, or you lost access to it.';

suite('Error text', () => {
  let api: BoxPullTestApi;

  suiteSetup(async () => {
    api = await getApi();
  });

  setup(async () => {
    await makeBoxFolder(FOLDER, { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
    await refreshTree();
  });

  teardown(async () => {
    await resetFaults();
    await remove(path.join(env.testRoot, FOLDER), path.join(env.workspace, FOLDER));
    await refreshTree();
  });

  test('a folder deleted on Box: the tree row and the download both say so in words', async () => {
    const row = await findRow(api, FOLDER);
    await remove(path.join(env.testRoot, FOLDER)); // gone on Box while the tree still shows it

    const children = await rows(api, row.node);
    assert.deepEqual(
      children.map((child) => [child.label, child.item.contextValue]),
      [[GONE, 'boxError']],
    );

    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () => download(row.node));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.message, `Box download failed: ${GONE}`);

    // Behind Show Log: the request and Box's request id, and no stack trace at the default level.
    assert.equal(vscode.env.logLevel, vscode.LogLevel.Info);
    const log = await logOnceItHas(api, /Download failed.*404 not_found/);
    assert.match(
      log,
      /\[error\] Download failed .*Box answered 404 not_found for (GET|POST) \/2\.0\/\S+.*request id \w+/,
    );
    assert.match(
      log,
      /\[error\] Could not list Box folder \d+ .*Box answered 404 not_found for GET \/2\.0\/folders\//,
    );
    assert.doesNotMatch(log, /^\s+at .*\.js:\d+:\d+/m, 'no stack trace lines');
  });

  test('Box limiting requests: says to wait, not "429 rate_limit_exceeded"', async () => {
    const row = await findRow(api, FOLDER);
    // More 429s than the client's attempts; Retry-After 0 keeps its back-off short.
    await setFaults({ rateLimit: { remaining: 20, retryAfterSeconds: 0, pathPrefix: '/2.0/zip_downloads' } });
    const prompter = new ScriptedPrompter().on('destination', destinationFolder(env.workspace));
    const outcome = await withPrompter(api, prompter, () => download(row.node));
    assert.equal(outcome.status, 'failed');
    assert.equal(
      outcome.message,
      'Box download failed: Box is limiting requests right now. Wait a minute, then try again.',
    );
  });
});
