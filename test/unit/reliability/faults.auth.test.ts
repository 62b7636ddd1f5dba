// The pull pipeline when sign-in state changes under it: an access token that dies mid-download (OAuth and
// client credentials), a refresh token that no longer works, a session revoked at Box, a dead developer token.
// How TokenManagers in two windows share one refresh is covered by test/unit/auth/tokenManager.test.ts
// ("two windows sharing one store refresh at once ...") and is not repeated here.
import assert from 'node:assert/strict';
import {
  clientCredentialsGrant,
  refreshTokens,
  revokeToken,
  type OAuthEndpoints,
  type TokenSet,
} from '../../../src/core/auth/oauthClient';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import { TokenManager, type StoredCredentials } from '../../../src/core/auth/tokenManager';
import { pull, type PullReport } from '../../../src/core/pull/pull';
import { ENTERPRISE_ID } from '../../../src/emulator/index';
import { EMULATOR_APP, fakeBrowser, MemoryTokenStore } from '../auth/helpers';
import {
  assertPulled,
  assertUnchanged,
  capturingLogger,
  countRequests,
  makeClient,
  pullRequest,
  resetFaults,
  startFixture,
  type Fixture,
} from './support';
import { PullError } from '../../../src/core/errors';

const HOUR = 3600_000;

type RenewableCredentials = Exclude<StoredCredentials, { kind: 'developerToken' }>;

describe('reliability: pull when the sign-in changes under it', function () {
  let fixture: Fixture;
  let endpoints: OAuthEndpoints;

  before(async function () {
    fixture = await startFixture({ seed: 41 });
    endpoints = { apiBaseUrl: fixture.emulator.baseUrl, authorizeBaseUrl: fixture.emulator.baseUrl };
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  async function browserSignIn(): Promise<TokenSet> {
    return signInWithOAuth({ endpoints, app: EMULATOR_APP, openBrowser: fakeBrowser() });
  }

  async function expectSignInRequired(promise: Promise<PullReport>): Promise<PullError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof PullError, `expected a PullError, got ${String(error)}`);
      assert.equal(error.code, 'sign_in_required', error.message);
      assert.match(error.message, /sign in/i);
      return error;
    }
    assert.fail('expected sign_in_required');
  }

  const apiRequests = () => fixture.requestLog.filter((line) => / \/2\.0\//.test(line)).length;
  const tokenRequests = () => countRequests(fixture, 'POST /oauth2/token');

  const kinds = [
    {
      kind: 'oauth',
      signIn: async (): Promise<RenewableCredentials> => ({
        kind: 'oauth',
        tokens: await browserSignIn(),
        app: EMULATOR_APP,
        issuer: endpoints.apiBaseUrl,
      }),
    },
    {
      kind: 'clientCredentials',
      signIn: async (): Promise<RenewableCredentials> => {
        const subject = { type: 'enterprise' as const, id: ENTERPRISE_ID };
        return {
          kind: 'clientCredentials',
          tokens: await clientCredentialsGrant(endpoints, EMULATOR_APP, subject),
          app: EMULATOR_APP,
          issuer: endpoints.apiBaseUrl,
          subject,
        };
      },
    },
  ];
  for (const { kind, signIn } of kinds) {
    it(`${kind}: an access token that expires mid-download is renewed after a 401 and the pull goes on`, async function () {
      // Box issues a 1-second token, but the stored expiry says an hour (a skewed clock, or Box ending it early):
      // only the server's 401 tells the client.
      fixture.emulator.faults.accessTokenTtlSeconds = 1;
      const credentials = await signIn();
      fixture.emulator.faults.accessTokenTtlSeconds = 3600;
      const store = new MemoryTokenStore({
        ...credentials,
        tokens: { ...credentials.tokens, expiresAt: Date.now() + HOUR },
      });
      const manager = new TokenManager({ store, endpoints });
      // About two seconds of download (60 entries, 30 ms each): the token dies while the bytes flow.
      fixture.emulator.faults.entryDelayMs = 30;
      const grants = tokenRequests();
      const logged = fixture.requestLog.length;
      const destination = fixture.freshDestination();
      const report = await pull(
        pullRequest(fixture, makeClient(fixture, { tokenProvider: manager }), destination),
      );
      const refused = fixture.requestLog.slice(logged).filter((line) => line.endsWith(' 401'));
      assert.ok(refused.length >= 1, 'Box refused the expired token at least once');
      assert.equal(tokenRequests() - grants, 1, 'exactly one renewal');
      assert.equal(report.boxState, 'succeeded', 'the status was read with the renewed token');
      const saved = store.peek() as RenewableCredentials;
      assert.notEqual(saved.tokens.accessToken, credentials.tokens.accessToken, 'the renewed pair was saved');
      await assertPulled(fixture, destination);
    });
  }

  it('a refresh token that no longer works: sign_in_required at once, no API retries, nothing created', async function () {
    const tokens = await browserSignIn();
    await refreshTokens(endpoints, EMULATOR_APP, tokens.refreshToken!); // spent elsewhere (another machine)
    const store = new MemoryTokenStore({
      kind: 'oauth',
      app: EMULATOR_APP,
      issuer: endpoints.apiBaseUrl,
      tokens: { ...tokens, expiresAt: Date.now() - 1000 },
    });
    const [api, grants] = [apiRequests(), tokenRequests()];
    const destination = fixture.freshDestination();
    const client = makeClient(fixture, { tokenProvider: new TokenManager({ store, endpoints }) });
    await expectSignInRequired(pull(pullRequest(fixture, client, destination)));
    assert.equal(apiRequests() - api, 0, 'no API request is sent without a token');
    assert.equal(tokenRequests() - grants, 1, 'one refresh attempt, not retried');
    assert.ok(store.peek(), 'the store is left for the sign-in flow to replace');
    await assertUnchanged(destination, undefined, 'refresh rejected');
  });

  it('a session revoked at Box while the client still trusts its token: one 401, one refresh, sign_in_required', async function () {
    const tokens = await browserSignIn();
    await revokeToken(endpoints, EMULATOR_APP, tokens.accessToken);
    const store = new MemoryTokenStore({
      kind: 'oauth',
      app: EMULATOR_APP,
      tokens,
      issuer: endpoints.apiBaseUrl,
    });
    const logged = fixture.requestLog.length;
    const grants = tokenRequests();
    const destination = fixture.freshDestination();
    const client = makeClient(fixture, { tokenProvider: new TokenManager({ store, endpoints }) });
    await expectSignInRequired(pull(pullRequest(fixture, client, destination)));
    const lines = fixture.requestLog.slice(logged).filter((line) => / \/2\.0\//.test(line));
    assert.deepEqual(lines, [`GET /2.0/folders/${fixture.folderId} 401`]);
    assert.equal(tokenRequests() - grants, 1);
    await assertUnchanged(destination, undefined, 'revoked');
  });

  it('a session revoked after the download started: the archive in hand is verified and placed, the status loss logged', async function () {
    const tokens = await browserSignIn();
    const store = new MemoryTokenStore({
      kind: 'oauth',
      app: EMULATOR_APP,
      tokens,
      issuer: endpoints.apiBaseUrl,
    });
    let revoking: Promise<void> | undefined;
    fixture.onRequest = (line) => {
      if (line === 'POST /2.0/zip_downloads 202')
        revoking ??= revokeToken(endpoints, EMULATOR_APP, tokens.accessToken);
    };
    fixture.emulator.faults.entryDelayMs = 20;
    const { logger, lines } = capturingLogger();
    const destination = fixture.freshDestination();
    const client = makeClient(fixture, { tokenProvider: new TokenManager({ store, endpoints }) });
    const report = await pull(pullRequest(fixture, client, destination, { logger })).catch((error: Error) => {
      const warnings = lines.filter((line) => line.level === 'warn').map((line) => line.text);
      throw new Error(`${error.message}; warnings: ${warnings.join(' | ')}`);
    });
    await revoking;
    assert.notEqual(report.boxState, 'succeeded', 'the status could not be read any more');
    assert.ok(lines.some((line) => line.level === 'warn' && /ZIP status/.test(line.text)));
    await assertPulled(fixture, destination);
  });

  it('a developer token that stops working: sign_in_required after one request', async function () {
    const logged = fixture.requestLog.length;
    const destination = fixture.freshDestination();
    const client = makeClient(fixture, {
      tokenProvider: { getAccessToken: async () => 'expired-developer-token' },
    });
    await expectSignInRequired(pull(pullRequest(fixture, client, destination)));
    assert.deepEqual(fixture.requestLog.slice(logged), [`GET /2.0/folders/${fixture.folderId} 401`]);
    await assertUnchanged(destination, undefined, 'developer token');
  });
});
