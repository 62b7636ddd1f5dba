// Secrets never leave the process: full pulls with trace logging (the core's redacting logger with no literal
// secrets registered, as the extension wires it, and the CLI with BOX_PULL_LOG=trace), through retries, a cut
// stream, a token renewal and failures. Everything written — log lines, error messages and stacks (inspected
// with their causes), the report, CLI stdout/stderr, the files in the destination — is searched for the access
// and refresh tokens, the client secret, the developer token and the ZIP download/status URLs and ids.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { refreshTokens, type OAuthEndpoints } from '../../../src/core/auth/oauthClient';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import { TokenManager, type StoredCredentials } from '../../../src/core/auth/tokenManager';
import { BoxClient } from '../../../src/core/box/client';
import type { ZipDownload, ZipDownloadRequest } from '../../../src/core/box/types';
import { pull } from '../../../src/core/pull/pull';
import { readTree } from '../../helpers/compareTrees';
import { EMULATOR_APP, fakeBrowser, MemoryTokenStore } from '../auth/helpers';
import {
  assertPulled,
  capturingLogger,
  makeClient,
  pullRequest,
  RecordedSleep,
  resetFaults,
  startFixture,
  type Fixture,
} from './support';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
/** A ZIP URL whose id was not redacted, whatever the host. */
const UNREDACTED_ZIP_URL = /zip_downloads\/(?!\[redacted\])[^/\s"']+\/(content|status)/;
/** The emulator's opaque ZIP ids always contain this (like Box's). */
const ZIP_ID_SHAPE = /[A-Za-z0-9_-]{16,}_w==/;

/** Records every ZIP URL the pipeline was handed, so the search knows what to look for. */
class RecordingClient extends BoxClient {
  readonly zips: ZipDownload[] = [];

  override async createZipDownload(
    request: ZipDownloadRequest,
    options?: { signal?: AbortSignal },
  ): Promise<ZipDownload> {
    const zip = await super.createZipDownload(request, options);
    this.zips.push(zip);
    return zip;
  }
}

/** Everything an error exposes: message, stack, properties and causes, as a host would print it. */
function describeError(error: unknown): string {
  return inspect(error, { depth: 8, showHidden: false, breakLength: Infinity });
}

function assertNoSecrets(haystack: string, secrets: Map<string, string>, where: string): void {
  for (const [what, secret] of secrets) {
    assert.ok(secret.length >= 8, `${what} is a real secret`);
    assert.ok(!haystack.includes(secret), `${where} leaks the ${what}`);
  }
  assert.doesNotMatch(haystack, UNREDACTED_ZIP_URL, `${where} leaks a ZIP URL`);
  assert.doesNotMatch(haystack, ZIP_ID_SHAPE, `${where} leaks a ZIP id`);
}

function zipSecrets(zips: ZipDownload[], into: Map<string, string>): void {
  zips.forEach((zip, index) => {
    into.set(`download URL ${index}`, zip.download_url);
    into.set(`status URL ${index}`, zip.status_url);
    into.set(`ZIP id ${index}`, /zip_downloads\/([^/]+)\//.exec(zip.download_url)![1]);
  });
}

describe('reliability: no secret is ever written', function () {
  let fixture: Fixture;
  let endpoints: OAuthEndpoints;

  before(async function () {
    fixture = await startFixture({ seed: 61 });
    endpoints = { apiBaseUrl: fixture.emulator.baseUrl, authorizeBaseUrl: fixture.emulator.baseUrl };
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  it('an OAuth pull at trace level with retries, a cut stream, a token renewal and a failure', async function () {
    // A token Box ends after a second while the store believes it lasts an hour: a 401 and a renewal mid-pull.
    fixture.emulator.faults.accessTokenTtlSeconds = 1;
    const signedIn = await signInWithOAuth({ endpoints, app: EMULATOR_APP, openBrowser: fakeBrowser() });
    fixture.emulator.faults.accessTokenTtlSeconds = 3600;
    const store = new MemoryTokenStore({
      kind: 'oauth',
      app: EMULATOR_APP,
      issuer: endpoints.apiBaseUrl,
      tokens: { ...signedIn, expiresAt: Date.now() + 3600_000 },
    });
    const { logger, lines } = capturingLogger();
    const manager = new TokenManager({ store, endpoints, logger });
    const client = new RecordingClient({
      baseUrl: fixture.emulator.baseUrl,
      tokenProvider: manager,
      logger,
      sleep: new RecordedSleep().sleep,
    });
    Object.assign(fixture.emulator.faults, {
      rateLimit: { remaining: 1, retryAfterSeconds: 1 },
      cutAfterBytes: 50_000,
      cutDownloads: 1,
      statusInProgressPolls: 2,
      entryDelayMs: 15,
    });
    const destination = fixture.freshDestination();
    const report = await pull(pullRequest(fixture, client, destination, { logger }));
    assert.equal(report.attempts, 2);
    await assertPulled(fixture, destination);

    // Then failures: download URLs that are always expired, and a refresh token that was spent elsewhere.
    resetFaults(fixture);
    fixture.emulator.faults.zipUrlTtlSeconds = 0;
    const failures: unknown[] = [];
    await pull(pullRequest(fixture, client, fixture.freshDestination(), { logger, maxAttempts: 2 })).catch(
      (error: unknown) => failures.push(error),
    );
    resetFaults(fixture);
    const renewed = store.peek() as Extract<StoredCredentials, { kind: 'oauth' }>;
    await refreshTokens(endpoints, EMULATOR_APP, renewed.tokens.refreshToken!);
    await store.save({ ...renewed, tokens: { ...renewed.tokens, expiresAt: Date.now() - 1 } });
    manager.reload();
    await pull(pullRequest(fixture, client, fixture.freshDestination(), { logger })).catch((error: unknown) =>
      failures.push(error),
    );
    assert.equal(failures.length, 2);

    const secrets = new Map<string, string>([
      ['client secret', EMULATOR_APP.clientSecret],
      ['developer token', fixture.emulator.token],
      ['first access token', signedIn.accessToken],
      ['first refresh token', signedIn.refreshToken!],
      ['renewed access token', renewed.tokens.accessToken],
      ['renewed refresh token', renewed.tokens.refreshToken!],
    ]);
    zipSecrets(client.zips, secrets);
    assert.ok(client.zips.length >= 4, 'two ZIPs for the first pull, two for the failed one');
    assert.notEqual(renewed.tokens.accessToken, signedIn.accessToken, 'the token was renewed');

    assert.ok(lines.some((line) => line.level === 'trace' || line.level === 'debug'));
    assert.ok(lines.some((line) => /zip_downloads\/\[redacted\]\/content/.test(line.text)));
    assertNoSecrets(lines.map((line) => line.text).join('\n'), secrets, 'the log');
    for (const failure of failures) assertNoSecrets(describeError(failure), secrets, 'an error');
    assertNoSecrets(JSON.stringify(report), secrets, 'the report');
    const files = await readTree(destination);
    assertNoSecrets(Buffer.concat([...files.files.values()]).toString('latin1'), secrets, 'the destination');
  });

  describe('the CLI with BOX_PULL_LOG=trace', function () {
    before(async function () {
      await fs.access(CLI).catch(() => {
        throw new Error(`${CLI} is missing: run "npm run build" first`);
      });
    });

    function runCli(args: string[]): Promise<{ code: number; output: string }> {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          [
            CLI,
            'pull',
            fixture.folderId,
            '--api-url',
            fixture.emulator.baseUrl,
            '--token',
            fixture.emulator.token,
            ...args,
          ],
          { env: { PATH: process.env.PATH, BOX_PULL_LOG: 'trace' }, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
            resolve({ code, output: `${stdout}\n${stderr}` });
          },
        );
      });
    }

    it('a pull with a retried 429, a cut stream and a slow status, plain and --json, then a failure', async function () {
      const secrets = new Map([['developer token', fixture.emulator.token]]);
      const outputs: string[] = [];
      for (const json of [false, true]) {
        Object.assign(fixture.emulator.faults, {
          rateLimit: { remaining: 1, retryAfterSeconds: 0 },
          cutAfterBytes: 30_000,
          cutDownloads: 1,
          statusInProgressPolls: 1,
        });
        const destination = fixture.freshDestination();
        const run = await runCli(['--dest', destination, ...(json ? ['--json'] : [])]);
        assert.equal(run.code, 0, run.output);
        await assertPulled(fixture, destination);
        const files = await readTree(destination);
        assertNoSecrets(
          Buffer.concat([...files.files.values()]).toString('latin1'),
          secrets,
          'the destination',
        );
        outputs.push(run.output);
        resetFaults(fixture);
      }
      assert.match(outputs[0], /\[debug\] Retrying GET/);
      assert.match(outputs[0], /\[warn\] Attempt 1 of 3 failed/);

      fixture.emulator.faults.zipUrlTtlSeconds = 0;
      const failed = await runCli(['--dest', fixture.freshDestination()]);
      assert.equal(failed.code, 1, failed.output);
      outputs.push(failed.output);
      assertNoSecrets(outputs.join('\n'), secrets, 'the CLI output');
    });
  });

  it('the logger and client the suites use hide every secret in play (sanity check of the search itself)', async function () {
    const { logger, lines } = capturingLogger();
    const client = makeClient(fixture, { logger });
    const zip = await client.createZipDownload({ items: [{ type: 'folder', id: fixture.folderId }] });
    const signedIn = await signInWithOAuth({ endpoints, app: EMULATOR_APP, openBrowser: fakeBrowser() });
    // Each secret in the shape the code could write it: a header, a token request's form body, a token answer.
    logger.info(`download from ${zip.download_url} with Bearer ${fixture.emulator.token}`);
    logger.debug(
      `POST /oauth2/token grant_type=refresh_token&refresh_token=${signedIn.refreshToken!}` +
        `&client_id=${EMULATOR_APP.clientId}&client_secret=${EMULATOR_APP.clientSecret}`,
    );
    logger.trace('token answer', {
      access_token: signedIn.accessToken,
      refresh_token: signedIn.refreshToken,
    });
    const secrets = new Map<string, string>([
      ['developer token', fixture.emulator.token],
      ['access token', signedIn.accessToken],
      ['refresh token', signedIn.refreshToken!],
      ['client secret', EMULATOR_APP.clientSecret],
    ]);
    zipSecrets([zip], secrets);
    // They reached the sink (a logger that dropped them would pass the search for nothing).
    const logged = lines.map((line) => line.text);
    for (const start of ['download from', 'POST /oauth2/token', 'token answer']) {
      assert.ok(
        logged.some((text) => text.startsWith(start)),
        start,
      );
    }
    assertNoSecrets(logged.join('\n'), secrets, 'the log');
    // The search finds each one when it does leak.
    for (const [what, secret] of secrets) {
      assert.throws(() => assertNoSecrets(`x ${secret} y`, secrets, 'a planted leak'), /leaks/, what);
    }
  });
});
