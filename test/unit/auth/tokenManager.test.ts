import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileLock } from '../../../src/core/auth/fileLock';
import {
  clientCredentialsGrant,
  refreshTokens,
  revokeToken,
  type TokenSet,
} from '../../../src/core/auth/oauthClient';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import {
  TokenManager,
  type StoredCredentials,
  type TokenManagerOptions,
} from '../../../src/core/auth/tokenManager';
import { DEFAULT_USER, ENTERPRISE_ID } from '../../../src/emulator/index';
import {
  EMULATOR_APP,
  fakeBrowser,
  JsonFileTokenStore,
  ManualClock,
  MemoryTokenStore,
  startAuthEmulator,
  tokenRequests,
  usersMeStatus,
  type EmulatorFixture,
} from './helpers';
import { OAuthError, SignInRequiredError } from '../../../src/core/errors';

const MINUTE = 60_000;

async function rejectsWithSignInRequired(
  promise: Promise<unknown>,
  reason: string,
): Promise<SignInRequiredError> {
  try {
    await promise;
  } catch (caught) {
    assert.ok(caught instanceof SignInRequiredError, `expected SignInRequiredError, got ${String(caught)}`);
    assert.equal(caught.code, reason);
    return caught;
  }
  assert.fail(`expected SignInRequiredError ${reason}`);
}

describe('auth/TokenManager against the emulator', () => {
  // 4-minute tokens: fresh for one minute with the default 3-minute margin, then refreshed ahead of expiry.
  const TTL_SECONDS = 240;
  let fixture: EmulatorFixture;
  let clock: ManualClock;

  beforeEach(async () => {
    fixture = await startAuthEmulator({ accessTokenTtlSeconds: TTL_SECONDS });
    clock = new ManualClock();
  });

  afterEach(async () => {
    await fixture.close();
  });

  async function signIn(): Promise<TokenSet> {
    return signInWithOAuth({ endpoints: fixture.endpoints, app: EMULATOR_APP, openBrowser: fakeBrowser() });
  }

  async function oauthCredentials(): Promise<StoredCredentials & { kind: 'oauth' }> {
    return { kind: 'oauth', tokens: await signIn(), app: EMULATOR_APP, issuer: fixture.emulator.baseUrl };
  }

  function manager(
    store: TokenManagerOptions['store'],
    extra: Partial<TokenManagerOptions> = {},
  ): TokenManager {
    return new TokenManager({ store, endpoints: fixture.endpoints, now: clock.now, ...extra });
  }

  it('hands out the stored access token while it is fresh, without token requests', async () => {
    const credentials = await oauthCredentials();
    const tokens = manager(new MemoryTokenStore(credentials));
    const before = tokenRequests(fixture.emulator);
    assert.equal(await tokens.getAccessToken(), credentials.tokens.accessToken);
    clock.advance(0.9 * MINUTE);
    assert.equal(await tokens.getAccessToken(), credentials.tokens.accessToken);
    assert.equal(tokenRequests(fixture.emulator), before);
  });

  it('refreshes ahead of expiry, saves the rotated pair first, and the old refresh token dies', async () => {
    const credentials = await oauthCredentials();
    const store = new MemoryTokenStore(credentials);
    const tokens = manager(store);
    clock.advance(1.5 * MINUTE); // 2.5 minutes left: inside the 3-minute margin, still valid at Box
    const fresh = await tokens.getAccessToken();
    assert.notEqual(fresh, credentials.tokens.accessToken);
    const saved = store.peek();
    assert.equal(saved?.kind, 'oauth');
    assert.equal(saved.kind === 'oauth' && saved.tokens.accessToken, fresh);
    assert.notEqual(saved.kind === 'oauth' && saved.tokens.refreshToken, credentials.tokens.refreshToken);
    assert.equal(await usersMeStatus(fixture.emulator, fresh), 200);
    await assert.rejects(
      refreshTokens(fixture.endpoints, EMULATOR_APP, credentials.tokens.refreshToken!),
      (error: unknown) => error instanceof OAuthError && error.code === 'invalid_grant',
    );
  });

  it('does not hand out a refreshed token it could not save', async () => {
    const credentials = await oauthCredentials();
    const store = new MemoryTokenStore(credentials);
    store.save = async () => {
      throw new Error('keychain locked');
    };
    const tokens = manager(store);
    clock.advance(2 * MINUTE);
    await assert.rejects(tokens.getAccessToken(), /keychain locked/);
  });

  it('single-flight: 10 concurrent callers with an expiring token cause exactly one refresh', async () => {
    const credentials = await oauthCredentials();
    const store = new MemoryTokenStore(credentials);
    const tokens = manager(store);
    clock.advance(2 * MINUTE);
    const before = tokenRequests(fixture.emulator);
    const results = await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken()));
    assert.equal(tokenRequests(fixture.emulator) - before, 1);
    assert.equal(store.saves, 1);
    assert.equal(new Set(results).size, 1);
    assert.notEqual(results[0], credentials.tokens.accessToken);
    assert.equal(await usersMeStatus(fixture.emulator, results[0]), 200);
  });

  it('after a 401 refreshes once, and hands a newer token to callers still holding the refused one', async () => {
    const credentials = await oauthCredentials();
    const tokens = manager(new MemoryTokenStore(credentials));
    const refused = await tokens.getAccessToken();
    const before = tokenRequests(fixture.emulator);
    const [first, second] = await Promise.all([
      tokens.refreshAccessToken(refused),
      tokens.refreshAccessToken(refused),
    ]);
    assert.equal(first, second);
    assert.notEqual(first, refused);
    assert.equal(await tokens.refreshAccessToken(refused), first);
    assert.equal(tokenRequests(fixture.emulator) - before, 1);
  });

  it('throws SignInRequiredError on invalid_grant and leaves the store alone', async () => {
    const credentials = await oauthCredentials();
    await revokeToken(fixture.endpoints, EMULATOR_APP, credentials.tokens.refreshToken!);
    const store = new MemoryTokenStore(credentials);
    const tokens = manager(store);
    clock.advance(2 * MINUTE);
    const error = await rejectsWithSignInRequired(tokens.getAccessToken(), 'refresh_rejected');
    assert.ok(error.cause instanceof OAuthError && error.cause.code === 'invalid_grant');
    assert.equal(store.clears, 0);
    assert.deepEqual(store.peek(), credentials);
  });

  for (const withLock of [true, false]) {
    it(`two windows sharing one store refresh at once and both keep a working session (${
      withLock ? 'with' : 'without'
    } the file lock)`, async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-windows-'));
      try {
        const file = path.join(dir, 'credentials.json');
        await new JsonFileTokenStore(file).save(await oauthCredentials());
        const lock = withLock ? createFileLock(dir) : undefined;
        const windowA = manager(new JsonFileTokenStore(file), { lock });
        const windowB = manager(new JsonFileTokenStore(file), { lock });
        // Both windows have read the same pair before it needs a refresh.
        assert.equal(await windowA.getAccessToken(), await windowB.getAccessToken());
        clock.advance(2 * MINUTE);
        const before = tokenRequests(fixture.emulator);
        const [a, b] = await Promise.all([windowA.getAccessToken(), windowB.getAccessToken()]);
        if (withLock) {
          assert.equal(
            tokenRequests(fixture.emulator) - before,
            1,
            'the second window adopts the first one’s pair',
          );
        }
        // Without the lock both spend the same refresh token; the loser gets invalid_grant and adopts the winner's.
        assert.equal(a, b);
        assert.equal(await usersMeStatus(fixture.emulator, a), 200);
        assert.equal(await usersMeStatus(fixture.emulator, b), 200);
        // The session survives: the stored refresh token is the live one, for either window.
        clock.advance(3 * MINUTE);
        const later = await windowB.getAccessToken();
        assert.equal(await usersMeStatus(fixture.emulator, later), 200);
        const stored = await new JsonFileTokenStore(file).load();
        assert.equal(stored?.kind === 'oauth' && stored.tokens.accessToken, later);
        assert.equal(await windowA.refreshAccessToken(a), later);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('a caller that aborts stops waiting, but the refresh still completes and is saved', async () => {
    const credentials = await oauthCredentials();
    const store = new MemoryTokenStore(credentials);
    const tokens = manager(store);
    clock.advance(2 * MINUTE);
    const controller = new AbortController();
    const waiting = tokens.getAccessToken(controller.signal);
    controller.abort(new Error('caller gave up'));
    await assert.rejects(waiting, /caller gave up/);
    const before = tokenRequests(fixture.emulator);
    const fresh = await tokens.getAccessToken();
    assert.notEqual(fresh, credentials.tokens.accessToken);
    assert.equal(store.saves, 1);
    assert.equal(await usersMeStatus(fixture.emulator, fresh), 200);
    assert.ok(tokenRequests(fixture.emulator) - before <= 1);
  });

  for (const subject of [
    { type: 'enterprise', id: ENTERPRISE_ID },
    { type: 'user', id: DEFAULT_USER.id },
  ] as const) {
    it(`client credentials (${subject.type}): grants again instead of refreshing`, async () => {
      const initial = await clientCredentialsGrant(fixture.endpoints, EMULATOR_APP, subject);
      const store = new MemoryTokenStore({
        kind: 'clientCredentials',
        tokens: initial,
        app: EMULATOR_APP,
        issuer: fixture.emulator.baseUrl,
        subject,
      });
      const tokens = manager(store);
      assert.equal(await tokens.getAccessToken(), initial.accessToken);
      clock.advance(2 * MINUTE);
      const before = tokenRequests(fixture.emulator);
      const fresh = await tokens.getAccessToken();
      assert.notEqual(fresh, initial.accessToken);
      assert.equal(tokenRequests(fixture.emulator) - before, 1);
      const saved = store.peek();
      assert.equal(saved?.kind === 'clientCredentials' && saved.tokens.accessToken, fresh);
      assert.equal(await usersMeStatus(fixture.emulator, fresh), 200);
      const afterRefusal = await tokens.refreshAccessToken(fresh);
      assert.ok(afterRefusal && afterRefusal !== fresh);
    });
  }

  it('client credentials that Box rejects require a new sign-in', async () => {
    const initial = await clientCredentialsGrant(fixture.endpoints, EMULATOR_APP, {
      type: 'enterprise',
      id: ENTERPRISE_ID,
    });
    const tokens = manager(
      new MemoryTokenStore({
        kind: 'clientCredentials',
        tokens: initial,
        app: EMULATOR_APP,
        issuer: fixture.emulator.baseUrl,
        subject: { type: 'enterprise', id: 'unknown-enterprise' },
      }),
    );
    await rejectsWithSignInRequired(tokens.refreshAccessToken(initial.accessToken), 'grant_rejected');
  });

  it('developer token: handed out as is; refreshAccessToken gives undefined unless the store has a new one', async () => {
    const store = new MemoryTokenStore({
      kind: 'developerToken',
      accessToken: fixture.emulator.token,
      issuer: fixture.emulator.baseUrl,
    });
    const tokens = manager(store);
    const token = await tokens.getAccessToken();
    assert.equal(token, fixture.emulator.token);
    assert.equal(await usersMeStatus(fixture.emulator, token), 200);
    clock.advance(600 * MINUTE);
    assert.equal(await tokens.getAccessToken(), token);
    assert.equal(await tokens.refreshAccessToken(token), undefined);
    await store.save({
      kind: 'developerToken',
      accessToken: 'pasted-in-another-window',
      issuer: fixture.emulator.baseUrl,
    });
    assert.equal(await tokens.refreshAccessToken(token), 'pasted-in-another-window');
  });

  it('without credentials asks for a sign-in', async () => {
    const tokens = manager(new MemoryTokenStore());
    await rejectsWithSignInRequired(tokens.getAccessToken(), 'not_signed_in');
    await rejectsWithSignInRequired(tokens.refreshAccessToken('whatever'), 'signed_out');
  });

  it('setCredentials stores a new sign-in and uses it at once', async () => {
    const store = new MemoryTokenStore();
    const tokens = manager(store);
    const credentials = await oauthCredentials();
    await tokens.setCredentials(credentials);
    assert.deepEqual(store.peek(), credentials);
    assert.equal(await tokens.getAccessToken(), credentials.tokens.accessToken);
  });

  it('reload picks up credentials another window stored', async () => {
    const store = new MemoryTokenStore(await oauthCredentials());
    const tokens = manager(store);
    await tokens.getAccessToken();
    const other = await oauthCredentials();
    await store.save(other);
    tokens.reload();
    assert.equal(await tokens.getAccessToken(), other.tokens.accessToken);
  });

  it('signOut revokes access and refresh tokens, then clears the store', async () => {
    const credentials = await oauthCredentials();
    const store = new MemoryTokenStore(credentials);
    const tokens = manager(store);
    const token = await tokens.getAccessToken();
    await tokens.signOut();
    assert.equal(await usersMeStatus(fixture.emulator, token), 401);
    await assert.rejects(
      refreshTokens(fixture.endpoints, EMULATOR_APP, credentials.tokens.refreshToken!),
      (error: unknown) => error instanceof OAuthError && error.code === 'invalid_grant',
    );
    assert.equal(store.peek(), undefined);
    await rejectsWithSignInRequired(tokens.getAccessToken(), 'not_signed_in');
  });

  it('signOut still clears the store when Box cannot be reached', async () => {
    const credentials = { ...(await oauthCredentials()), issuer: 'http://127.0.0.1:9' };
    const store = new MemoryTokenStore(credentials);
    const unreachable = { apiBaseUrl: 'http://127.0.0.1:9', authorizeBaseUrl: 'http://127.0.0.1:9' };
    const tokens = new TokenManager({ store, endpoints: unreachable, now: clock.now });
    await tokens.signOut();
    assert.equal(store.clears, 1);
    assert.equal(store.peek(), undefined);
  });
});
