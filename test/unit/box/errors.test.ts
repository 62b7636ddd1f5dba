import assert from 'node:assert/strict';
import { abortError, isAbortError } from '../../../src/core/abort';
import { BoxApiError, SignInRequiredError, BoxNetworkError } from '../../../src/core/errors';
import { isRetryable } from '../../../src/core/box/retry';

function codeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('Box client errors', () => {
  it('BoxApiError reads as one line with status, code, path, message and request id', () => {
    const err = new BoxApiError({
      status: 404,
      code: 'not_found',
      method: 'GET',
      url: 'https://api.box.com/2.0/folders/123?fields=id',
      boxMessage: 'Not Found',
      requestId: 'abc',
    });
    assert.equal(
      err.message,
      'Box answered 404 not_found for GET /2.0/folders/123: Not Found (request id abc)',
    );
    assert.equal(err.name, 'BoxApiError');
    assert.ok(err instanceof Error);
  });

  it('BoxApiError redacts a ZIP URL in its url and message', () => {
    const err = new BoxApiError({
      status: 404,
      method: 'GET',
      url: 'https://dl.boxcloud.com/2.0/zip_downloads/SeCrEt==/content',
    });
    assert.equal(err.url, 'https://dl.boxcloud.com/2.0/zip_downloads/[redacted]/content');
    assert.equal(err.message, 'Box answered 404 for GET /2.0/zip_downloads/[redacted]/content');
  });

  it('classifies network failures and whether the request can have been sent', () => {
    const cases: [Error, string, boolean][] = [
      [codeError('ECONNREFUSED'), 'refused', false],
      [codeError('UND_ERR_CONNECT_TIMEOUT'), 'timeout', false],
      [codeError('UND_ERR_HEADERS_TIMEOUT'), 'timeout', true],
      [codeError('UND_ERR_BODY_TIMEOUT'), 'timeout', true],
      [codeError('ECONNRESET'), 'reset', true],
      [codeError('UND_ERR_SOCKET', 'other side closed'), 'reset', true],
      [codeError('ENOTFOUND'), 'dns', false],
      [codeError('EPROTO'), 'tls', true],
      [codeError('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', true],
      [codeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', true],
      [codeError('EBADF'), 'other', true],
      [new AggregateError([codeError('ECONNREFUSED'), codeError('ECONNREFUSED')]), 'refused', false],
    ];
    for (const [cause, kind, requestSent] of cases) {
      const err = new BoxNetworkError('GET', 'http://127.0.0.1:1/2.0/users/me', cause);
      assert.equal(err.code, kind, String((cause as { code?: string }).code));
      assert.equal(err.requestSent, requestSent);
      assert.equal(err.cause, cause);
    }
  });

  it('words a TLS failure in one line, without the OpenSSL dump', () => {
    const openssl = codeError(
      'ERR_SSL_WRONG_VERSION_NUMBER',
      '808C0739277F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n',
    );
    assert.equal(
      new BoxNetworkError('GET', 'https://127.0.0.1:1/2.0/zip_downloads/x/content', openssl).message,
      'Network TLS failure for GET /2.0/zip_downloads/[redacted]/content: the server does not speak TLS at that https address (is it plain http?)',
    );
    const multiLine = codeError('EWHATEVER', 'first line\nsecond line');
    assert.match(new BoxNetworkError('GET', 'http://h/', multiLine).message, /: first line$/);
  });

  it('isRetryable: 408, 429 and 5xx except 501/507; transient network kinds; never aborts', () => {
    const api = (status: number) => new BoxApiError({ status, method: 'GET', url: 'http://h/2.0/x' });
    assert.deepEqual(
      [400, 401, 403, 404, 405, 408, 429, 500, 501, 502, 503, 504, 507].filter((s) => isRetryable(api(s))),
      [408, 429, 500, 502, 503, 504],
    );
    const net = (code: string) => new BoxNetworkError('GET', 'http://h/', codeError(code));
    assert.equal(isRetryable(net('ECONNRESET')), true);
    assert.equal(isRetryable(net('ECONNREFUSED')), true);
    assert.equal(isRetryable(net('UND_ERR_BODY_TIMEOUT')), true);
    assert.equal(isRetryable(net('ENOTFOUND')), false);
    assert.equal(isRetryable(net('EPROTO')), false);
    assert.equal(isRetryable(abortError(AbortSignal.abort())), false);
    assert.equal(isRetryable(new SignInRequiredError('no_token')), false);
  });

  it('abortError keeps an Error reason and names other reasons AbortError', () => {
    assert.equal(abortError(AbortSignal.abort()).name, 'AbortError');
    const reason = new Error('mine');
    assert.equal(abortError(AbortSignal.abort(reason)), reason);
    assert.ok(isAbortError(abortError(AbortSignal.abort(42))));
  });

  it('SignInRequiredError says the user must sign in again', () => {
    const err = new SignInRequiredError('rejected_after_refresh');
    assert.equal(err.code, 'rejected_after_refresh');
    assert.match(err.message, /^Sign in to Box again: /);
  });
});
