import * as assert from 'node:assert/strict';
import { request } from 'undici';
import { startLoopbackRedirect, type LoopbackRedirect } from '../../../src/core/auth/loopback';
import { OAuthError } from '../../../src/core/errors';

async function get(url: string): Promise<{ status: number; page: string; headers: Record<string, unknown> }> {
  const response = await request(url);
  return { status: response.statusCode, page: await response.body.text(), headers: response.headers };
}

async function rejectsWith(promise: Promise<unknown>, error: string): Promise<OAuthError> {
  try {
    await promise;
  } catch (caught) {
    assert.ok(caught instanceof OAuthError, `expected an OAuthError, got ${String(caught)}`);
    assert.equal(caught.code, error);
    return caught;
  }
  assert.fail(`expected OAuthError ${error}`);
}

describe('auth/loopback', () => {
  let loopback: LoopbackRedirect | undefined;

  afterEach(() => {
    loopback?.close();
    loopback = undefined;
  });

  it('listens on 127.0.0.1 with a random port and a 64-hex-digit state', async () => {
    loopback = await startLoopbackRedirect();
    assert.match(loopback.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.match(loopback.state, /^[0-9a-f]{64}$/);
    const other = await startLoopbackRedirect({ path: '/auth' });
    try {
      assert.notEqual(other.state, loopback.state);
      assert.match(other.redirectUri, /\/auth$/);
    } finally {
      other.close();
    }
  });

  it('resolves with the code of a callback carrying the right state, then stops listening', async () => {
    loopback = await startLoopbackRedirect();
    const visit = await get(`${loopback.redirectUri}?code=the-code&state=${loopback.state}`);
    assert.equal(visit.status, 200);
    assert.match(visit.page, /Signed in to Box\. You can close this tab\./);
    assert.equal(visit.headers['referrer-policy'], 'no-referrer');
    assert.equal(await loopback.waitForCode(), 'the-code');
    await assert.rejects(get(`${loopback.redirectUri}?code=again&state=${loopback.state}`), /ECONNREFUSED/);
  });

  it('answers 400 to callbacks with a wrong or missing state and keeps waiting for the real one', async () => {
    loopback = await startLoopbackRedirect();
    const waiting = loopback.waitForCode();
    // A local process or a web page that found the port must not be able to end the sign-in.
    const stray = await get(`${loopback.redirectUri}?code=stolen-code&state=${'0'.repeat(64)}`);
    assert.equal(stray.status, 400);
    assert.doesNotMatch(stray.page, /stolen-code/);
    assert.equal((await get(`${loopback.redirectUri}?code=x`)).status, 400);
    assert.equal((await get(`${loopback.redirectUri}?error=access_denied`)).status, 400);
    const real = await get(`${loopback.redirectUri}?code=the-code&state=${loopback.state}`);
    assert.equal(real.status, 200);
    assert.equal(await waiting, 'the-code');
  });

  it('turns error=access_denied into an OAuthError and shows the HTML-escaped description', async () => {
    loopback = await startLoopbackRedirect();
    const description = encodeURIComponent('<script>alert(1)</script> & "more"');
    const visit = await get(
      `${loopback.redirectUri}?error=access_denied&error_description=${description}&state=${loopback.state}`,
    );
    assert.equal(visit.status, 400);
    assert.match(visit.page, /Access to Box was denied/);
    assert.doesNotMatch(visit.page, /<script>/);
    assert.match(visit.page, /&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; &#34;more&#34;/);
    const error = await rejectsWith(loopback.waitForCode(), 'access_denied');
    assert.equal(error.description, '<script>alert(1)</script> & "more"');
  });

  it('rejects a callback with the right state but no code', async () => {
    loopback = await startLoopbackRedirect();
    assert.equal((await get(`${loopback.redirectUri}?state=${loopback.state}`)).status, 400);
    await rejectsWith(loopback.waitForCode(), 'missing_code');
  });

  it('answers 404 to the favicon and other paths without ending the wait', async () => {
    loopback = await startLoopbackRedirect();
    const origin = new URL(loopback.redirectUri).origin;
    assert.equal((await get(`${origin}/favicon.ico`)).status, 404);
    assert.equal((await get(`${origin}/callback/extra?state=${loopback.state}&code=c`)).status, 404);
    assert.equal((await get(`${loopback.redirectUri}?code=late-code&state=${loopback.state}`)).status, 200);
    assert.equal(await loopback.waitForCode(), 'late-code');
  });

  it('answers 405 to a POST on the callback path', async () => {
    loopback = await startLoopbackRedirect();
    const response = await request(`${loopback.redirectUri}?code=c&state=${loopback.state}`, {
      method: 'POST',
    });
    await response.body.dump();
    assert.equal(response.statusCode, 405);
  });

  it('gives up after the timeout', async () => {
    loopback = await startLoopbackRedirect({ timeoutMs: 50 });
    await rejectsWith(loopback.waitForCode(), 'timeout');
  });

  it('stops on abort with the signal reason', async () => {
    const controller = new AbortController();
    loopback = await startLoopbackRedirect({ signal: controller.signal });
    controller.abort(new Error('user cancelled'));
    await assert.rejects(loopback.waitForCode(), /user cancelled/);
    await assert.rejects(get(`${loopback.redirectUri}?code=c&state=${loopback.state}`), /ECONNREFUSED/);
  });

  it('refuses to start with an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await assert.rejects(startLoopbackRedirect({ signal: controller.signal }), /too late/);
  });

  it('rejects a pending wait when closed', async () => {
    loopback = await startLoopbackRedirect();
    loopback.close();
    await rejectsWith(loopback.waitForCode(), 'cancelled');
  });
});
