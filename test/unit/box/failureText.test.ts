// describeFailure: every way a Box request fails reads as what happened and what to do, never as raw HTTP. The
// errors are the real ones: a BoxClient talking to a small server on 127.0.0.1 that answers the way Box would.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoxClient } from '../../../src/core/box/client';
import { PullError } from '../../../src/core/errors';
import { describeFailure } from '../../../src/core/failureText';
import { toPullError, withLeftover } from '../../../src/core/pull/failure';
import { closeServer, recordingSleep, staticTokens } from './support';

type Handler = (response: ServerResponse) => void;

function boxAnswer(status: number, code: string, message: string): Handler {
  return (response) => {
    response.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
    response.end(JSON.stringify({ type: 'error', status, code, message, request_id: 'req-123' }));
  };
}

describe('describeFailure: human text for failed Box requests', () => {
  let server: Server;
  let handler: Handler;
  let baseUrl: string;

  before(async () => {
    server = createServer((_request, response) => handler(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => closeServer(server));

  /** The error a real client raises for GET /2.0/folders/42 against the server as `handler` answers. */
  async function failure(answer: Handler, options: { idleTimeoutMs?: number; url?: string } = {}) {
    handler = answer;
    const client = new BoxClient({
      baseUrl: options.url ?? baseUrl,
      tokenProvider: staticTokens('token'),
      retry: { random: () => 0.5, maxAttempts: 2 },
      sleep: recordingSleep().sleep,
      idleTimeoutMs: options.idleTimeoutMs,
    });
    return client.getFolder('42').then(
      () => assert.fail('expected a failure'),
      (error: unknown) => error,
    );
  }

  const cases: [string, Handler, RegExp][] = [
    ['401', boxAnswer(401, 'unauthorized', 'Unauthorized'), /^Sign in to Box again/],
    [
      '403',
      boxAnswer(403, 'access_denied_insufficient_permissions', 'Access denied'),
      /^You do not have permission/,
    ],
    [
      '404',
      boxAnswer(404, 'not_found', 'Not Found'),
      /^This folder no longer exists on Box, or you lost access to it\.$/,
    ],
    [
      '429',
      boxAnswer(429, 'rate_limit_exceeded', 'Too many'),
      /^Box is limiting requests right now\. Wait a minute/,
    ],
    [
      '503',
      boxAnswer(503, 'unavailable', 'Unavailable'),
      /^Box is having trouble \(error 503\)\. Try again in a few/,
    ],
    ['400', boxAnswer(400, 'bad_request', 'Bad'), /^Box refused the request \(error 400\): Bad$/],
    ['reset', (response) => response.socket?.destroy(), /^The connection to Box was interrupted\./],
  ];
  for (const [what, answer, expected] of cases) {
    it(`${what}: one human line, the request and request id only in the raw message`, async () => {
      const error = await failure(answer);
      const text = describeFailure(error, 'folder');
      assert.match(text, expected);
      assert.doesNotMatch(text, /\n|GET|\/2\.0|req-123|Box answered/);
      // Wrapped the way a pull wraps it, the text is the same.
      assert.equal(describeFailure(toPullError(error), 'folder'), text);
    });
  }

  it('a timeout says Box did not answer in time', async () => {
    const error = await failure(() => undefined, { idleTimeoutMs: 200 });
    assert.match(describeFailure(error), /^Box did not answer in time\. Check your connection/);
  });

  it('a refused connection says Box cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await closeServer(closed);
    const error = await failure(() => undefined, { url });
    assert.match(describeFailure(error), /^Cannot reach Box\. Check your internet connection/);
  });

  it('the subject is named: file, folder, or item', async () => {
    const error = await failure(boxAnswer(404, 'not_found', 'Not Found'));
    assert.match(describeFailure(error, 'file'), /^This file no longer exists/);
    assert.match(describeFailure(error), /^This item no longer exists/);
  });

  it('words a pull failure adds after the answer it quotes are kept (the temporary folder left behind)', async () => {
    const pullError = toPullError(await failure(boxAnswer(404, 'not_found', 'Not Found')));
    const left = withLeftover(pullError, '/dest/.box-pull-staging-x');
    assert.equal(
      describeFailure(left, 'folder'),
      'This folder no longer exists on Box, or you lost access to it. Its temporary folder ' +
        '/dest/.box-pull-staging-x could not be removed; delete it once the destination is writable again.',
    );
  });

  it('a pull failure with words of its own keeps them; anything else keeps its message', () => {
    const cause = new Error('Box answered 404 for GET /2.0/zip_downloads/[redacted]/content');
    const expired = new PullError('download_failed', 'The ZIP download link expired.', { cause });
    assert.equal(describeFailure(expired), 'The ZIP download link expired.');
    assert.equal(describeFailure(new Error('EACCES: permission denied')), 'EACCES: permission denied');
    assert.equal(describeFailure('plain text'), 'plain text');
  });
});
