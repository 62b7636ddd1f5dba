// Plain http only on this machine: a bearer token, a refresh token or a client secret must never cross a network
// in the clear. Refused before any connection is made, with a one-line reason.
import assert from 'node:assert/strict';
import { buildAuthorizeUrl, refreshTokens, revokeToken } from '../../../src/core/auth/oauthClient';
import { addressProblem } from '../../../src/core/box/address';
import { BoxClient } from '../../../src/core/box/client';
import { AddressError } from '../../../src/core/errors';

const app = { clientId: 'cid', clientSecret: 'a-client-secret' };

function isAddressError(error: unknown): boolean {
  assert.ok(error instanceof AddressError, String(error));
  assert.doesNotMatch(error.message, /\n/);
  return true;
}

describe('server addresses: plain http only to loopback', () => {
  it('allows https anywhere and http on 127.0.0.0/8, ::1 and localhost', () => {
    for (const url of [
      'https://api.box.com',
      'https://10.1.2.3:8443/box',
      'http://127.0.0.1:1234',
      'http://127.8.9.10',
      'http://127.1',
      'http://localhost:3000',
      'http://LOCALHOST',
      'http://[::1]:4000',
      'http://[0:0:0:0:0:0:0:1]',
    ]) {
      assert.equal(addressProblem(url), undefined, url);
    }
  });

  it('refuses http elsewhere, look-alikes of loopback included, and what is not http(s)', () => {
    for (const url of [
      'http://box.example',
      'http://api.box.com',
      'http://10.0.0.1',
      'http://[::2]',
      'http://localhost.evil.example',
      'http://127.0.0.1.evil.example',
      'ftp://127.0.0.1',
      'not a url',
    ]) {
      const problem = addressProblem(url);
      assert.ok(problem, url);
      assert.doesNotMatch(problem, /\n/);
    }
    assert.equal(
      addressProblem('http://box.example'),
      'Refusing http://box.example: plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://.',
    );
  });

  it('BoxClient, the token and revoke calls and the authorize URL refuse plain http off this machine', async () => {
    const endpoints = { apiBaseUrl: 'http://box.example', authorizeBaseUrl: 'http://account.box.example' };
    assert.throws(
      () =>
        new BoxClient({ baseUrl: 'http://box.example', tokenProvider: { getAccessToken: async () => 't' } }),
      isAddressError,
    );
    await assert.rejects(refreshTokens(endpoints, app, 'a-refresh-token'), isAddressError);
    await assert.rejects(revokeToken(endpoints, app, 'a-token'), isAddressError);
    assert.throws(
      () => buildAuthorizeUrl(endpoints, app, 'http://127.0.0.1:1/callback', 'state'),
      isAddressError,
    );
  });
});
