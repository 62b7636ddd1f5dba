import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildAuthorizeUrl,
  clientCredentialsGrant,
  exchangeAuthorizationCode,
  refreshTokens,
  revokeToken,
  type OAuthEndpoints,
  type TokenSet,
} from '../../../src/core/auth/oauthClient';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import { startLoopbackRedirect } from '../../../src/core/auth/loopback';
import { DEFAULT_USER, ENTERPRISE_ID } from '../../../src/emulator/index';
import {
  EMULATOR_APP,
  fakeBrowser,
  startAuthEmulator,
  usersMeStatus,
  type BrowserVisit,
  type EmulatorFixture,
} from './helpers';
import { ManualClock } from '../../helpers/clock';
import { OAuthError } from '../../../src/core/errors';

/** Runs the authorize step by hand and returns the raw code, without exchanging it. */
async function authorizationCode(fixture: EmulatorFixture): Promise<string> {
  const loopback = await startLoopbackRedirect();
  try {
    const url = buildAuthorizeUrl(fixture.endpoints, EMULATOR_APP, loopback.redirectUri, loopback.state);
    await fakeBrowser()(url);
    return await loopback.waitForCode();
  } finally {
    loopback.close();
  }
}

async function rejectsWithOAuthError(promise: Promise<unknown>, error: string): Promise<OAuthError> {
  try {
    await promise;
  } catch (caught) {
    assert.ok(caught instanceof OAuthError, `expected an OAuthError, got ${String(caught)}`);
    assert.equal(caught.code, error);
    return caught;
  }
  assert.fail(`expected OAuthError ${error}`);
}

function assertNoSecret(error: OAuthError, secrets: string[]): void {
  const texts = [error.message, error.description ?? '', error.code, String(error.stack)];
  for (const secret of secrets) {
    for (const text of texts) {
      assert.ok(!text.includes(secret), `an OAuthError leaked a secret: ${error.code}`);
    }
  }
}

describe('auth/oauthClient against the emulator', () => {
  let fixture: EmulatorFixture;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock();
    fixture = await startAuthEmulator({ clock });
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('builds an authorize URL with Box parameters on the configured origin', () => {
    const url = new URL(
      buildAuthorizeUrl(
        { authorizeBaseUrl: 'https://account.box.com/' },
        { clientId: 'abc' },
        'http://127.0.0.1:5000/callback',
        'st',
        'root_readonly',
      ),
    );
    assert.equal(url.origin + url.pathname, 'https://account.box.com/api/oauth2/authorize');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      response_type: 'code',
      client_id: 'abc',
      redirect_uri: 'http://127.0.0.1:5000/callback',
      state: 'st',
      scope: 'root_readonly',
    });
  });

  it('signs in: authorize → loopback → exchange, and the token works on /2.0/users/me', async () => {
    const visits: BrowserVisit[] = [];
    const browser = fakeBrowser(visits);
    let browsing: Promise<boolean> | undefined;
    const tokens = await signInWithOAuth({
      endpoints: fixture.endpoints,
      app: EMULATOR_APP,
      openBrowser: (url) => (browsing = browser(url)),
    });
    await browsing;
    assert.ok(tokens.accessToken.length > 0);
    assert.ok(tokens.refreshToken && tokens.refreshToken.length > 0);
    assert.equal(tokens.tokenType, 'bearer');
    assert.ok(tokens.expiresAt > Date.now() + 3000 * 1000, 'expires about an hour from now');
    assert.equal(visits.length, 1);
    assert.match(visits[0].location, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    assert.equal(visits[0].status, 200);
    assert.match(visits[0].page, /Signed in to Box\. You can close this tab\./);
    assert.equal(await usersMeStatus(fixture.emulator, tokens.accessToken), 200);
  });

  it('turns a denied consent into OAuthError access_denied and tells the browser', async () => {
    fixture.emulator.faults.denyAuthorization = true;
    const visits: BrowserVisit[] = [];
    const browser = fakeBrowser(visits);
    let browsing: Promise<boolean> | undefined;
    const error = await rejectsWithOAuthError(
      signInWithOAuth({
        endpoints: fixture.endpoints,
        app: EMULATOR_APP,
        openBrowser: (url) => (browsing = browser(url)),
      }),
      'access_denied',
    );
    assert.equal(error.status, 0);
    // The sign-in fails as soon as the callback arrives; the browser may still be reading its page.
    await browsing;
    assert.equal(visits[0].status, 400);
    assert.match(visits[0].page, /Access to Box was denied/);
  });

  it('fails the sign-in when the browser cannot be opened', async () => {
    await rejectsWithOAuthError(
      signInWithOAuth({ endpoints: fixture.endpoints, app: EMULATOR_APP, openBrowser: async () => false }),
      'browser_not_opened',
    );
  });

  it('refuses a reused authorization code with invalid_grant', async () => {
    const code = await authorizationCode(fixture);
    await exchangeAuthorizationCode(fixture.endpoints, EMULATOR_APP, code);
    const error = await rejectsWithOAuthError(
      exchangeAuthorizationCode(fixture.endpoints, EMULATOR_APP, code),
      'invalid_grant',
    );
    assert.equal(error.status, 400);
  });

  it('refuses an authorization code past its lifetime with invalid_grant', async () => {
    // Box's codes live 30 s; the emulator's clock is moved instead of waiting. One code is exchanged just in time.
    const inTime = await authorizationCode(fixture);
    const stale = await authorizationCode(fixture);
    clock.advance(29_999);
    assert.ok((await exchangeAuthorizationCode(fixture.endpoints, EMULATOR_APP, inTime)).accessToken);
    clock.advance(1);
    await rejectsWithOAuthError(
      exchangeAuthorizationCode(fixture.endpoints, EMULATOR_APP, stale),
      'invalid_grant',
    );
  });

  it('rotates refresh tokens: the new pair works, the old refresh token is dead', async () => {
    const first = await exchangeAuthorizationCode(
      fixture.endpoints,
      EMULATOR_APP,
      await authorizationCode(fixture),
    );
    const second = await refreshTokens(fixture.endpoints, EMULATOR_APP, first.refreshToken!);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal(await usersMeStatus(fixture.emulator, second.accessToken), 200);
    await rejectsWithOAuthError(
      refreshTokens(fixture.endpoints, EMULATOR_APP, first.refreshToken!),
      'invalid_grant',
    );
    const third = await refreshTokens(fixture.endpoints, EMULATOR_APP, second.refreshToken!);
    assert.equal(await usersMeStatus(fixture.emulator, third.accessToken), 200);
  });

  it('grants client credentials for the enterprise and for a user, without a refresh token', async () => {
    const subjects = [
      { type: 'enterprise', id: ENTERPRISE_ID },
      { type: 'user', id: DEFAULT_USER.id },
    ] as const;
    for (const subject of subjects) {
      const tokens = await clientCredentialsGrant(fixture.endpoints, EMULATOR_APP, subject);
      assert.equal(tokens.refreshToken, undefined, subject.type);
      assert.equal(await usersMeStatus(fixture.emulator, tokens.accessToken), 200, subject.type);
    }
    await rejectsWithOAuthError(
      clientCredentialsGrant(fixture.endpoints, EMULATOR_APP, {
        type: 'enterprise',
        id: 'some-other-enterprise',
      }),
      'invalid_grant',
    );
  });

  it('revokes: the access token then gets 401 on /2.0/users/me, and its refresh token is dead', async () => {
    const tokens = await exchangeAuthorizationCode(
      fixture.endpoints,
      EMULATOR_APP,
      await authorizationCode(fixture),
    );
    assert.equal(await usersMeStatus(fixture.emulator, tokens.accessToken), 200);
    await revokeToken(fixture.endpoints, EMULATOR_APP, tokens.accessToken);
    assert.equal(await usersMeStatus(fixture.emulator, tokens.accessToken), 401);
    await rejectsWithOAuthError(
      refreshTokens(fixture.endpoints, EMULATOR_APP, tokens.refreshToken!),
      'invalid_grant',
    );
  });

  it('rejects a wrong client secret with invalid_client', async () => {
    const code = await authorizationCode(fixture);
    const error = await rejectsWithOAuthError(
      exchangeAuthorizationCode(fixture.endpoints, { ...EMULATOR_APP, clientSecret: 'not-the-secret' }, code),
      'invalid_client',
    );
    assertNoSecret(error, ['not-the-secret', code]);
  });

  it('puts no token, secret or code in any OAuthError from the emulator', async () => {
    const code = await authorizationCode(fixture);
    const tokens = await exchangeAuthorizationCode(fixture.endpoints, EMULATOR_APP, code);
    const wrongApp = { ...EMULATOR_APP, clientSecret: 'wrong-secret-value' };
    const errors = [
      await rejectsWithOAuthError(
        exchangeAuthorizationCode(fixture.endpoints, EMULATOR_APP, code),
        'invalid_grant',
      ),
      await rejectsWithOAuthError(
        exchangeAuthorizationCode(fixture.endpoints, wrongApp, 'made-up-code-value'),
        'invalid_client',
      ),
      await rejectsWithOAuthError(
        refreshTokens(fixture.endpoints, wrongApp, tokens.refreshToken!),
        'invalid_client',
      ),
      await rejectsWithOAuthError(
        refreshTokens(fixture.endpoints, EMULATOR_APP, 'made-up-refresh-token'),
        'invalid_grant',
      ),
      await rejectsWithOAuthError(
        revokeToken(fixture.endpoints, wrongApp, tokens.accessToken),
        'invalid_client',
      ),
    ];
    for (const error of errors) {
      assertNoSecret(error, [
        code,
        tokens.accessToken,
        tokens.refreshToken!,
        EMULATOR_APP.clientSecret,
        'wrong-secret-value',
        'made-up-code-value',
        'made-up-refresh-token',
      ]);
    }
  });
});

describe('auth/oauthClient response validation', () => {
  let server: http.Server;
  let endpoints: OAuthEndpoints;
  let reply: { status: number; contentType: string; body: string };
  let lastForm: URLSearchParams | undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        lastForm = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(reply.status, { 'content-type': reply.contentType });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    endpoints = { apiBaseUrl: origin, authorizeBaseUrl: origin };
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function answer(body: unknown, status = 200): void {
    reply = {
      status,
      contentType: 'application/json',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    };
  }

  const app = { clientId: 'validation-client', clientSecret: 'validation-secret' };

  it('sends client_id and client_secret in the form body, and no redirect_uri', async () => {
    answer({
      access_token: 'a1',
      refresh_token: 'r1',
      expires_in: 3600,
      token_type: 'bearer',
      restricted_to: [],
    });
    const tokens: TokenSet = await exchangeAuthorizationCode(endpoints, app, 'the-code');
    assert.deepEqual(Object.fromEntries(lastForm!), {
      grant_type: 'authorization_code',
      code: 'the-code',
      client_id: 'validation-client',
      client_secret: 'validation-secret',
    });
    assert.equal(tokens.accessToken, 'a1');
    assert.equal(tokens.refreshToken, 'r1');
    assert.deepEqual(tokens.restrictedTo, []);
  });

  const invalidAnswers: Array<[string, unknown]> = [
    ['no JSON', '<html>hello</html>'],
    ['an empty access_token', { access_token: '', refresh_token: 'r', expires_in: 3600 }],
    ['no expires_in', { access_token: 'a', refresh_token: 'r' }],
    ['a non-numeric expires_in', { access_token: 'a', refresh_token: 'r', expires_in: 'soon' }],
    ['no refresh_token on a refresh grant', { access_token: 'a', expires_in: 3600 }],
    [
      'a non-bearer token type',
      { access_token: 'a', refresh_token: 'r', expires_in: 3600, token_type: 'mac' },
    ],
  ];
  for (const [what, body] of invalidAnswers) {
    it(`turns an answer with ${what} into invalid_response`, async () => {
      answer(body);
      await rejectsWithOAuthError(refreshTokens(endpoints, app, 'some-refresh-token'), 'invalid_response');
    });
  }

  it('accepts a client-credentials answer without a refresh token', async () => {
    answer({ access_token: 'ccg', expires_in: '3600', token_type: 'bearer' });
    const tokens = await clientCredentialsGrant(endpoints, app, { type: 'enterprise', id: 'e1' });
    assert.equal(tokens.refreshToken, undefined);
    assert.equal(lastForm!.get('box_subject_type'), 'enterprise');
    assert.equal(lastForm!.get('box_subject_id'), 'e1');
  });

  it('reports a non-OAuth error page by its status', async () => {
    reply = { status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' };
    const error = await rejectsWithOAuthError(refreshTokens(endpoints, app, 'rt'), 'server_error');
    assert.equal(error.status, 502);
  });

  it('redacts secrets that a server echoes back in error_description', async () => {
    answer({ error: 'invalid_grant', error_description: 'refresh token echoed-refresh-token is bad' }, 400);
    const error = await rejectsWithOAuthError(
      refreshTokens(endpoints, app, 'echoed-refresh-token'),
      'invalid_grant',
    );
    assertNoSecret(error, ['echoed-refresh-token']);
    assert.match(error.message, /\[redacted\]/);
  });

  it('times out a token request that gets no answer', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await rejectsWithOAuthError(
        refreshTokens({ apiBaseUrl: origin, authorizeBaseUrl: origin, requestTimeoutMs: 100 }, app, 'rt'),
        'timeout',
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('passes a caller abort through as the abort reason', async () => {
    answer({ access_token: 'a', refresh_token: 'r', expires_in: 3600 });
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await assert.rejects(refreshTokens(endpoints, app, 'rt', controller.signal), /stop now/);
  });

  it('reports an unreachable server as network_error', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    await rejectsWithOAuthError(
      revokeToken({ apiBaseUrl: origin, authorizeBaseUrl: origin }, app, 'some-token'),
      'network_error',
    );
  });
});
