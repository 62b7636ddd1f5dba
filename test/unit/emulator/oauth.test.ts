import assert from 'node:assert/strict';
import { redirectUriMatches } from '../../../src/emulator/oauth';
import { ManualClock } from '../../helpers/clock';
import { startFixture, writeTree, type Fixture } from './support';

type Json = Record<string, unknown>;

const CLIENT = { client_id: 'emulator-client-id', client_secret: 'emulator-client-secret' };
const REDIRECT = 'http://127.0.0.1:53111/callback';

describe('emulator: OAuth 2.0', () => {
  let fx: Fixture;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock();
    fx = await startFixture(await writeTree({ 'a.txt': 'a' }), {
      clock,
      apps: [
        { clientId: 'other-app', clientSecret: 'other-secret', redirectUris: ['https://example.com/cb'] },
      ],
    });
  });
  afterEach(() => fx.close());

  const authorizeUrl = (params: Record<string, string>) =>
    `${fx.emulator.baseUrl}/api/oauth2/authorize?${new URLSearchParams(params).toString()}`;

  async function authorize(extra: Record<string, string> = {}): Promise<URL> {
    const res = await fetch(
      authorizeUrl({
        response_type: 'code',
        client_id: CLIENT.client_id,
        redirect_uri: REDIRECT,
        state: 's1',
        ...extra,
      }),
      { redirect: 'manual' },
    );
    assert.equal(res.status, 302);
    return new URL(res.headers.get('location')!);
  }

  async function codeGrant(): Promise<Json> {
    const code = (await authorize()).searchParams.get('code')!;
    const res = await fx.form('/oauth2/token', { grant_type: 'authorization_code', code, ...CLIENT });
    assert.equal(res.status, 200);
    return (await res.json()) as Json;
  }

  const apiStatus = async (token: string) =>
    (await fetch(`${fx.emulator.baseUrl}/2.0/users/me`, { headers: { authorization: `Bearer ${token}` } }))
      .status;

  async function expectOAuthError(fields: Record<string, string>, error: string): Promise<void> {
    const res = await fx.form('/oauth2/token', fields);
    assert.equal(res.status, 400, JSON.stringify(fields));
    const body = (await res.json()) as Json;
    assert.equal(body.error, error);
    assert.equal(typeof body.error_description, 'string');
  }

  describe('authorize', () => {
    it('redirects with a code and the state, on any loopback port', async () => {
      const location = await authorize();
      assert.equal(location.origin + location.pathname, REDIRECT);
      assert.equal(location.searchParams.get('state'), 's1');
      assert.ok(location.searchParams.get('code'));
      const viaLocalhost = await authorize({ redirect_uri: 'http://localhost:9/callback' });
      assert.equal(viaLocalhost.host, 'localhost:9');
    });

    it('refuses unknown clients and mismatched or missing redirect URIs without redirecting', async () => {
      for (const params of [
        { response_type: 'code', client_id: 'nope', redirect_uri: REDIRECT },
        { response_type: 'code', client_id: CLIENT.client_id, redirect_uri: 'http://127.0.0.1:5/other' },
        { response_type: 'code', client_id: CLIENT.client_id, redirect_uri: 'http://evil.example/callback' },
        { response_type: 'code', client_id: CLIENT.client_id },
      ] as Record<string, string>[]) {
        const res = await fetch(authorizeUrl(params), { redirect: 'manual' });
        assert.equal(res.status, 400, JSON.stringify(params));
        assert.match(res.headers.get('content-type')!, /text\/html/);
      }
    });

    it('uses the only registered redirect URI when none is given, and requires response_type=code', async () => {
      const res = await fetch(authorizeUrl({ response_type: 'code', client_id: 'other-app' }), {
        redirect: 'manual',
      });
      assert.equal(res.status, 302);
      assert.ok(res.headers.get('location')!.startsWith('https://example.com/cb?code='));
      const location = await authorize({ response_type: 'token' });
      assert.equal(location.searchParams.get('error'), 'unsupported_response_type');
    });

    it('redirects with error=access_denied when the user denies', async () => {
      fx.emulator.faults.denyAuthorization = true;
      const location = await authorize();
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 's1');
      assert.equal(location.searchParams.get('code'), null);
    });

    it('shows a consent page when not auto-approving; its form approves or denies', async () => {
      fx.emulator.faults.autoApprove = false;
      const params = {
        response_type: 'code',
        client_id: CLIENT.client_id,
        redirect_uri: REDIRECT,
        state: 'xyz',
      };
      const page = await fetch(authorizeUrl(params));
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<form method="post" action="\/api\/oauth2\/authorize">/);
      assert.match(html, /id="approve"/);
      for (const [consent, expected] of [
        ['approve', 'code'],
        ['deny', 'error'],
      ]) {
        const res = await fx.form('/api/oauth2/authorize', { ...params, consent });
        assert.equal(res.status, 302);
        const location = new URL(res.headers.get('location')!);
        assert.ok(location.searchParams.get(expected), consent);
        assert.equal(location.searchParams.get('state'), 'xyz');
      }
    });

    it('matches loopback redirect URIs on any port but nothing else loosely', () => {
      assert.ok(redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:8080/callback'));
      assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:8080/callback?x=1'));
      assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'https://127.0.0.1:8080/callback'));
      assert.ok(!redirectUriMatches('https://example.com/cb', 'https://example.com:444/cb'));
      assert.ok(redirectUriMatches('https://example.com/cb', 'https://example.com/cb'));
    });
  });

  describe('token', () => {
    it('exchanges a code for a bearer pair that the API accepts', async () => {
      const tokens = await codeGrant();
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.expires_in, 3600);
      assert.deepEqual(tokens.restricted_to, []);
      assert.equal(typeof tokens.refresh_token, 'string');
      assert.equal(await apiStatus(tokens.access_token as string), 200);
    });

    it('accepts a code only once, only for its client, and only within its lifetime', async () => {
      const code = (await authorize()).searchParams.get('code')!;
      await expectOAuthError(
        { grant_type: 'authorization_code', code, client_id: 'other-app', client_secret: 'other-secret' },
        'invalid_grant',
      );
      const ok = await fx.form('/oauth2/token', { grant_type: 'authorization_code', code, ...CLIENT });
      assert.equal(ok.status, 200);
      await expectOAuthError({ grant_type: 'authorization_code', code, ...CLIENT }, 'invalid_grant');

      // Two codes of the default 30 s lifetime: one redeemed just in time, one just too late.
      const inTime = (await authorize()).searchParams.get('code')!;
      const stale = (await authorize()).searchParams.get('code')!;
      clock.advance(29_999);
      const late = await fx.form('/oauth2/token', {
        grant_type: 'authorization_code',
        code: inTime,
        ...CLIENT,
      });
      assert.equal(late.status, 200);
      clock.advance(1);
      await expectOAuthError({ grant_type: 'authorization_code', code: stale, ...CLIENT }, 'invalid_grant');
    });

    it('rotates refresh tokens: each works once, reuse is invalid_grant', async () => {
      const first = await codeGrant();
      const refresh = (token: string) =>
        fx.form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: token, ...CLIENT });
      const res = await refresh(first.refresh_token as string);
      assert.equal(res.status, 200);
      const second = (await res.json()) as Json;
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.notEqual(second.access_token, first.access_token);
      assert.equal(await apiStatus(second.access_token as string), 200);
      await expectOAuthError(
        { grant_type: 'refresh_token', refresh_token: first.refresh_token as string, ...CLIENT },
        'invalid_grant',
      );
      assert.equal((await refresh(second.refresh_token as string)).status, 200);
    });

    it('grants client credentials for the enterprise (its service account) or the user, without a refresh token', async () => {
      for (const [type, id, userId] of [
        ['enterprise', '30000001', '20000002'],
        ['user', '20000001', '20000001'],
      ]) {
        const res = await fx.form('/oauth2/token', {
          grant_type: 'client_credentials',
          box_subject_type: type,
          box_subject_id: id,
          ...CLIENT,
        });
        assert.equal(res.status, 200);
        const body = (await res.json()) as Json;
        assert.equal('refresh_token' in body, false);
        assert.equal(await apiStatus(body.access_token as string), 200);
        const me = await fetch(`${fx.emulator.baseUrl}/2.0/users/me`, {
          headers: { authorization: `Bearer ${body.access_token as string}` },
        });
        assert.equal(((await me.json()) as Json).id, userId, `${type}: whose token it is`);
      }
      await expectOAuthError(
        { grant_type: 'client_credentials', box_subject_type: 'user', box_subject_id: '1', ...CLIENT },
        'invalid_grant',
      );
    });

    it('answers invalid_client, invalid_request and unsupported_grant_type', async () => {
      await expectOAuthError(
        {
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: 'emulator-client-id',
          client_secret: 'bad',
        },
        'invalid_client',
      );
      await expectOAuthError({ ...CLIENT }, 'invalid_request');
      await expectOAuthError({ grant_type: 'password', ...CLIENT }, 'unsupported_grant_type');
      const json = await fetch(`${fx.emulator.baseUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', ...CLIENT }),
      });
      assert.equal(json.status, 400);
      assert.equal(((await json.json()) as Json).error, 'invalid_request');
    });

    it('expires access tokens after accessTokenTtlSeconds; the developer token never expires', async () => {
      fx.emulator.faults.accessTokenTtlSeconds = 60;
      const tokens = await codeGrant();
      assert.equal(tokens.expires_in, 60);
      clock.advance(59_999);
      assert.equal(await apiStatus(tokens.access_token as string), 200);
      clock.advance(1);
      assert.equal(await apiStatus(tokens.access_token as string), 401);
      clock.advance(365 * 24 * 3600 * 1000);
      assert.equal(await apiStatus(fx.emulator.token), 200);
    });
  });

  describe('revoke', () => {
    it('revokes an access token together with its refresh token', async () => {
      const tokens = await codeGrant();
      const res = await fx.form('/oauth2/revoke', { token: tokens.access_token as string, ...CLIENT });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '');
      assert.equal(await apiStatus(tokens.access_token as string), 401);
      await expectOAuthError(
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, ...CLIENT },
        'invalid_grant',
      );
    });

    it('revoking a refresh token kills it and its access token; the developer token can be revoked too', async () => {
      const tokens = await codeGrant();
      assert.equal(
        (await fx.form('/oauth2/revoke', { token: tokens.refresh_token as string, ...CLIENT })).status,
        200,
      );
      assert.equal(await apiStatus(tokens.access_token as string), 401);
      await expectOAuthError(
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, ...CLIENT },
        'invalid_grant',
      );
      assert.equal((await fx.form('/oauth2/revoke', { token: fx.emulator.token, ...CLIENT })).status, 200);
      assert.equal(await apiStatus(fx.emulator.token), 401);
    });

    it('needs valid client credentials', async () => {
      const res = await fx.form('/oauth2/revoke', {
        token: 'x',
        client_id: 'emulator-client-id',
        client_secret: 'no',
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as Json).error, 'invalid_client');
    });
  });

  it('hiddenFromServiceAccount: the service account does not see those paths; the user still does', async () => {
    fx.emulator.faults.hiddenFromServiceAccount = ['a.txt'];
    const res = await fx.form('/oauth2/token', {
      grant_type: 'client_credentials',
      box_subject_type: 'enterprise',
      box_subject_id: '30000001',
      ...CLIENT,
    });
    const service = { authorization: `Bearer ${((await res.json()) as Json).access_token as string}` };
    const names = async (headers?: Record<string, string>) => {
      const listing = (await (await fx.get('/2.0/folders/0/items', headers)).json()) as {
        entries: { name: string }[];
      };
      return listing.entries.map((entry) => entry.name);
    };
    assert.deepEqual(await names(service), []);
    assert.deepEqual(await names(), ['a.txt'], 'the developer token user');
  });
});
