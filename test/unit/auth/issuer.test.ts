// Stored credentials belong to the server that issued them. Pointed at another address (a changed setting or
// environment variable), the TokenManager sends that server nothing — no access token, no refresh token, no client
// id or secret, no revoke — and says in one line why the user must sign in again. Sign-out revokes at the issuer,
// and says so when it could not.
import * as assert from 'node:assert/strict';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import { secretsOf, TokenManager, type StoredCredentials } from '../../../src/core/auth/tokenManager';
import { LockTimeoutError, SignInRequiredError } from '../../../src/core/errors';
import { startCaptureServer, type CaptureServer } from '../../helpers/captureServer';
import {
  EMULATOR_APP,
  fakeBrowser,
  ManualClock,
  MemoryTokenStore,
  startAuthEmulator,
  tokenRequests,
  usersMeStatus,
  type EmulatorFixture,
} from './helpers';

describe('auth/TokenManager: credentials stay with their issuer', () => {
  let fixture: EmulatorFixture;
  let capture: CaptureServer;
  let clock: ManualClock;

  beforeEach(async () => {
    fixture = await startAuthEmulator();
    capture = await startCaptureServer();
    clock = new ManualClock();
  });

  afterEach(async () => {
    await capture.close();
    await fixture.close();
  });

  async function issued(): Promise<StoredCredentials & { kind: 'oauth' }> {
    const tokens = await signInWithOAuth({
      endpoints: fixture.endpoints,
      app: EMULATOR_APP,
      openBrowser: fakeBrowser(),
    });
    return { kind: 'oauth', tokens, app: EMULATOR_APP, issuer: fixture.emulator.baseUrl };
  }

  /** A manager whose settings now point at the capture server. */
  function pointedAtStranger(store: MemoryTokenStore): TokenManager {
    return new TokenManager({
      store,
      endpoints: { apiBaseUrl: capture.url, authorizeBaseUrl: capture.url },
      now: clock.now,
    });
  }

  async function rejectsOriginChanged(promise: Promise<unknown>, issuer: string): Promise<void> {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof SignInRequiredError, String(error));
      assert.equal(error.code, 'origin_changed');
      assert.equal(
        error.message,
        `You signed in to ${issuer}; Box Pull now points at ${capture.url}. Sign in again.`,
      );
      return true;
    });
  }

  it('an expired session pointed at another address: origin_changed, and that address gets nothing', async () => {
    const credentials = await issued();
    const store = new MemoryTokenStore({ ...credentials, tokens: { ...credentials.tokens, expiresAt: 0 } });
    const tokens = pointedAtStranger(store);
    await rejectsOriginChanged(tokens.getAccessToken(), fixture.emulator.baseUrl);
    await rejectsOriginChanged(
      tokens.refreshAccessToken(credentials.tokens.accessToken),
      fixture.emulator.baseUrl,
    );
    assert.deepEqual(capture.requests, [], 'no refresh, grant or revoke went to the stranger');
    assert.ok(store.peek(), 'the session is kept for when the address points back');
  });

  it('a fresh session is not handed out for another address either (its access token would go there)', async () => {
    const credentials = await issued();
    const tokens = pointedAtStranger(new MemoryTokenStore(credentials));
    await rejectsOriginChanged(tokens.getAccessToken(), fixture.emulator.baseUrl);
  });

  it('a session stored without an issuer (before they were recorded) counts as Box’s own', async () => {
    const { issuer: _dropped, ...legacy } = await issued();
    const tokens = pointedAtStranger(
      new MemoryTokenStore({ ...legacy, tokens: { ...legacy.tokens, expiresAt: 0 } }),
    );
    await rejectsOriginChanged(tokens.getAccessToken(), 'https://api.box.com');
    assert.deepEqual(capture.requests, []);
  });

  it('sign-out pointed at another address revokes at the issuer, never at the stranger', async () => {
    const credentials = await issued();
    const store = new MemoryTokenStore(credentials);
    const result = await pointedAtStranger(store).signOut();
    assert.equal(result.revokeError, undefined);
    assert.deepEqual(capture.requests, []);
    assert.equal(
      await usersMeStatus(fixture.emulator, credentials.tokens.accessToken),
      401,
      'revoked at the issuer',
    );
    assert.equal(store.peek(), undefined);
  });

  it('a new sign-in is recorded as issued by the manager’s address', async () => {
    const { issuer: _dropped, ...credentials } = await issued();
    const store = new MemoryTokenStore();
    const tokens = new TokenManager({ store, endpoints: fixture.endpoints, now: clock.now });
    await tokens.setCredentials(credentials);
    assert.equal(store.peek()?.issuer, fixture.emulator.baseUrl);
    assert.equal(await tokens.getAccessToken(), credentials.tokens.accessToken);
  });

  it('sign-out says that revoking failed when the issuer cannot be reached, and still clears the store', async () => {
    const credentials = { ...(await issued()), issuer: 'http://127.0.0.1:9' };
    const store = new MemoryTokenStore(credentials);
    const tokens = new TokenManager({
      store,
      endpoints: { apiBaseUrl: 'http://127.0.0.1:9', authorizeBaseUrl: 'http://127.0.0.1:9' },
    });
    const result = await tokens.signOut();
    assert.ok(result.revokeError, 'the failure is reported, not swallowed');
    assert.equal(store.peek(), undefined);
  });

  it('sign-out whose lock throws still clears the store and reports that nothing was revoked', async () => {
    const credentials = await issued();
    const store = new MemoryTokenStore(credentials);
    const tokens = new TokenManager({
      store,
      endpoints: fixture.endpoints,
      lock: async () => {
        throw new LockTimeoutError('/tmp/box-pull-test.lock');
      },
    });
    const result = await tokens.signOut();
    assert.ok(result.revokeError instanceof LockTimeoutError);
    assert.equal(store.peek(), undefined);
    assert.equal(
      await usersMeStatus(fixture.emulator, credentials.tokens.accessToken),
      200,
      'truly not revoked',
    );
  });

  it('tells rememberSecret every token and the client secret it holds, the rotated refresh token too', async () => {
    const credentials = await issued();
    const remembered = new Set<string>();
    const store = new MemoryTokenStore({ ...credentials, tokens: { ...credentials.tokens, expiresAt: 0 } });
    const tokens = new TokenManager({
      store,
      endpoints: fixture.endpoints,
      now: clock.now,
      rememberSecret: (secret) => remembered.add(secret),
    });
    const before = tokenRequests(fixture.emulator);
    await tokens.getAccessToken();
    assert.equal(tokenRequests(fixture.emulator) - before, 1, 'refreshed');
    const rotated = store.peek()!;
    for (const secret of [...secretsOf(credentials), ...secretsOf(rotated)]) {
      assert.ok(remembered.has(secret), `${secret.slice(0, 4)}… remembered`);
    }
    assert.ok(remembered.has(EMULATOR_APP.clientSecret));
  });
});
