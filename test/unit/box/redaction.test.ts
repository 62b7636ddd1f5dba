import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { StoredCredentials } from '../../../src/core/auth/tokenManager';
import { createRedactingLogger, redactSecrets } from '../../../src/core/logger';
import { capturingLogger } from './support';

describe('redactSecrets', () => {
  it('removes bearer and basic credentials', () => {
    assert.equal(redactSecrets('Authorization: Bearer abc.DEF-123_x=='), 'Authorization: Bearer [redacted]');
    assert.equal(redactSecrets('authorization: basic dXNlcjpwdw=='), 'authorization: basic [redacted]');
  });

  it('removes secret query and form parameters but keeps look-alikes', () => {
    assert.equal(
      redactSecrets('grant_type=refresh_token&refresh_token=r3fr3sh&client_id=cid&client_secret=s3cr3t'),
      'grant_type=refresh_token&refresh_token=[redacted]&client_id=cid&client_secret=[redacted]',
    );
    assert.equal(redactSecrets('/callback?code=c0de&state=xyz'), '/callback?code=[redacted]&state=xyz');
    assert.equal(
      redactSecrets('GET /x?access_token=t0k3n HTTP/1.1'),
      'GET /x?access_token=[redacted] HTTP/1.1',
    );
    assert.equal(redactSecrets('error_code=not_found zipcode=12345'), 'error_code=not_found zipcode=12345');
  });

  it('removes JSON and inspected object fields of secret names, keeping Box error codes', () => {
    const json = JSON.stringify({
      access_token: 'T0K',
      refresh_token: 'R"EF',
      expires_in: 3600,
      code: 'not_found',
      client_secret: 'S',
    });
    assert.equal(
      redactSecrets(json),
      '{"access_token":"[redacted]","refresh_token":"[redacted]","expires_in":3600,"code":"not_found","client_secret":"[redacted]"}',
    );
    assert.equal(
      redactSecrets("{ access_token: 'abc', name: 'x', authorization: 'Bearer qqq' }"),
      "{ access_token: '[redacted]', name: 'x', authorization: '[redacted]' }",
    );
  });

  it('removes ZIP download and status ids, whatever the host', () => {
    const zip = {
      download_url: 'https://dl.boxcloud.com/2.0/zip_downloads/29l00nfxDyHOt7RphI9zT_w==nDnZ-X_yY=/content',
      status_url: 'https://api.box.com/2.0/zip_downloads/29l00nfxDyHOt7RphI9zT_w==nDnZ-X_yY=/status',
    };
    assert.equal(
      redactSecrets(`fetching ${zip.download_url} then ${zip.status_url}`),
      'fetching https://dl.boxcloud.com/2.0/zip_downloads/[redacted]/content then ' +
        'https://api.box.com/2.0/zip_downloads/[redacted]/status',
    );
    const redactedJson = redactSecrets(JSON.stringify(zip));
    assert.ok(!redactedJson.includes('29l00nfx'), redactedJson);
  });

  it('removes literal extra secrets, longest first, ignoring tiny ones', () => {
    assert.equal(redactSecrets('tok tokenXYZ tok', ['tokenXYZ', 'tok']), 'tok [redacted] tok');
    assert.equal(redactSecrets('a secret-value b', new Set(['secret-value'])), 'a [redacted] b');
  });

  it('removes camelCase secret fields of our own objects, inspected, as JSON and as query parameters', () => {
    const credentials: StoredCredentials = {
      kind: 'oauth',
      tokens: { accessToken: 'AT-1234', refreshToken: 'RT-5678', expiresAt: 1, tokenType: 'bearer' },
      app: { clientId: 'client-id-kept', clientSecret: 'CS-9012' },
      issuer: 'https://api.box.com',
    };
    for (const text of [
      inspect(credentials),
      inspect(credentials, { depth: 4, breakLength: Infinity }),
      JSON.stringify(credentials),
      '/x?refreshToken=RT-5678&clientSecret=CS-9012&accessToken=AT-1234&clientId=client-id-kept',
    ]) {
      const redacted = redactSecrets(text);
      for (const secret of ['AT-1234', 'RT-5678', 'CS-9012']) assert.ok(!redacted.includes(secret), redacted);
      assert.ok(redacted.includes('client-id-kept'), redacted);
    }
  });

  it('leaves ordinary text alone', () => {
    const text = 'GET /2.0/folders/123/items?usemarker=true&limit=1000 → 200 (12 ms, request id abc)';
    assert.equal(redactSecrets(text), text);
  });
});

describe('createRedactingLogger', () => {
  it('redacts the message and every formatted argument before the sink sees them', () => {
    const sink = capturingLogger();
    const log = createRedactingLogger(sink, () => ['LIVE-TOKEN-1234']);
    log.info('token LIVE-TOKEN-1234 in use', { headers: { authorization: 'Bearer LIVE-TOKEN-1234' } });
    log.error('failed', new Error('GET https://x/2.0/zip_downloads/SECRETID/content refused'));
    log.debug('form', 'client_secret=hunter22&code=abcd');
    const all = sink.lines.join('\n');
    assert.ok(!all.includes('LIVE-TOKEN-1234'), all);
    assert.ok(!all.includes('SECRETID'), all);
    assert.ok(!all.includes('hunter22'), all);
    assert.equal(sink.lines.length, 3);
    assert.match(sink.lines[0], /^\[info\] token \[redacted\] in use/);
  });

  it('errors without stacks when the sink asks for none: the message, then each cause that adds something', () => {
    const sink = capturingLogger();
    let stacks = false;
    const log = createRedactingLogger(sink, undefined, { stacks: () => stacks });
    const answer = new Error('Box answered 404 not_found for GET /2.0/folders/7 (request id r1)');
    const quoting = new Error(`Box could not find the item. ${answer.message}`, { cause: answer });
    const wrapped = new Error('The download link expired.', { cause: answer });
    log.error('failed', quoting);
    log.error('failed', wrapped);
    stacks = true;
    log.error('failed', wrapped);
    assert.equal(sink.lines[0], `[error] failed Error: ${quoting.message}`);
    assert.equal(
      sink.lines[1],
      `[error] failed Error: The download link expired. ← Error: ${answer.message}`,
    );
    assert.match(sink.lines[2], /\n\s+at /, 'asked for again, the stack is there');
  });

  it('routes each level to the same level of the sink', () => {
    const sink = capturingLogger();
    const log = createRedactingLogger(sink);
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    assert.deepEqual(sink.lines, ['[trace] t', '[debug] d', '[info] i', '[warn] w', '[error] e']);
  });
});
