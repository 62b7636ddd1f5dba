// BoxClient against the real emulator: paging, fields, typed errors, the 401 refresh dance and retries.
import assert from 'node:assert/strict';
import { BoxClient, DEFAULT_ITEM_FIELDS, type TokenProvider } from '../../../src/core/box/client';
import type { BoxFile } from '../../../src/core/box/types';
import { DEFAULT_USER, SERVICE_ACCOUNT } from '../../../src/emulator/index';
import {
  BIG_FOLDER_FILES,
  clientCredentialsToken,
  makeClient,
  recordingSleep,
  requestsTo,
  resetFaults,
  revokeToken,
  startTestBox,
  type TestBox,
} from './support';
import { BoxApiError, SignInRequiredError, BoxNetworkError } from '../../../src/core/errors';

describe('BoxClient against the emulator', function () {
  this.timeout(60_000);
  let box: TestBox;

  before(async () => {
    box = await startTestBox();
  });
  after(async () => {
    await box?.cleanup();
  });
  afterEach(() => resetFaults(box.emulator));

  describe('listing', () => {
    it('pages a folder of 2,500 entries by marker in ceil(n/1000) requests', async () => {
      const client = makeClient(box);
      const key = `GET /2.0/folders/${box.bigFolderId}/items`;
      const before = requestsTo(box.emulator, key);
      const ids = new Set<string>();
      for await (const item of client.iterateFolderItems(box.bigFolderId)) {
        ids.add(item.id);
      }
      assert.equal(ids.size, BIG_FOLDER_FILES);
      assert.equal(requestsTo(box.emulator, key) - before, Math.ceil(BIG_FOLDER_FILES / 1000));
    });

    it('returns the default fields a planner needs', async () => {
      const client = makeClient(box);
      const page = await client.listFolderItems(box.bigFolderId, { limit: 5 });
      assert.equal(page.entries.length, 5);
      assert.ok(page.nextMarker);
      for (const entry of page.entries) {
        const file = entry as BoxFile;
        assert.equal(file.type, 'file');
        assert.match(file.sha1 ?? '', /^[0-9a-f]{40}$/);
        assert.equal(typeof file.size, 'number');
        assert.match(file.modified_at ?? '', /^\d{4}-\d\d-\d\dT/);
        assert.ok(file.name && file.etag !== undefined);
      }
      assert.ok(DEFAULT_ITEM_FIELDS.includes('sha1'));
    });

    it('requests exactly the fields asked for', async () => {
      const client = makeClient(box);
      const page = await client.listFolderItems(box.bigFolderId, { limit: 3, fields: ['name'] });
      for (const entry of page.entries) {
        assert.ok(entry.name);
        assert.equal((entry as BoxFile).sha1, undefined);
        assert.equal(entry.size, undefined);
      }
    });

    it('clamps the page size to 1000 and follows the marker to the end', async () => {
      const client = makeClient(box);
      const first = await client.listFolderItems(box.bigFolderId, { limit: 5000 });
      assert.equal(first.entries.length, 1000);
      const second = await client.listFolderItems(box.bigFolderId, { marker: first.nextMarker! });
      const third = await client.listFolderItems(box.bigFolderId, { marker: second.nextMarker! });
      assert.equal(third.entries.length, BIG_FOLDER_FILES - 2000);
      assert.equal(third.nextMarker, null);
    });

    it('accepts a base URL with a trailing /2.0 or slash', async () => {
      for (const baseUrl of [
        `${box.emulator.baseUrl}/`,
        `${box.emulator.baseUrl}/2.0`,
        `${box.emulator.baseUrl}/2.0/`,
      ]) {
        const user = await makeClient(box, { baseUrl }).getCurrentUser();
        assert.equal(user.id, DEFAULT_USER.id);
      }
    });

    it('reads a folder, a file and the current user', async () => {
      const client = makeClient(box);
      const folder = await client.getFolder(box.bigFolderId, { fields: ['name', 'size'] });
      assert.equal(folder.name, 'big');
      assert.equal(folder.type, 'folder');
      const root = await client.getFolder('0');
      assert.equal(root.id, '0');
      const [first] = (await client.listFolderItems(box.bigFolderId, { limit: 1 })).entries;
      const file = await client.getFile(first.id, { fields: ['name', 'sha1'] });
      assert.equal(file.name, first.name);
      const user = await client.getCurrentUser();
      assert.equal(user.id, DEFAULT_USER.id);
      assert.equal(user.login, DEFAULT_USER.login);
    });
  });

  describe('typed errors', () => {
    it('404 carries status, code, request id and a one-line message, and is not retried', async () => {
      const { sleeps, sleep } = recordingSleep();
      const client = makeClient(box, { sleep });
      const error = await client.getFolder('999999999').then(
        () => assert.fail('expected a 404'),
        (err: unknown) => err,
      );
      assert.ok(error instanceof BoxApiError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'not_found');
      assert.ok(error.requestId && error.requestId.length > 5);
      assert.ok(error.helpUrl?.startsWith('https://'));
      assert.equal(
        error.message,
        `Box answered 404 not_found for GET /2.0/folders/999999999: Not Found (request id ${error.requestId})`,
      );
      assert.deepEqual(sleeps, []);
    });

    it('405 for an id in the wrong format', async () => {
      await assert.rejects(makeClient(box).getFolder('abc'), {
        name: 'BoxApiError',
        status: 405,
        code: 'method_not_allowed',
      });
    });

    it('400 for an invalid ZIP request, with no retry', async () => {
      const { sleeps, sleep } = recordingSleep();
      const client = makeClient(box, { sleep });
      await assert.rejects(client.createZipDownload({ items: [] }), { status: 400, code: 'bad_request' });
      await assert.rejects(client.createZipDownload({ items: [{ type: 'folder', id: '0' }] }), {
        status: 400,
        code: 'bad_request',
      });
      assert.deepEqual(sleeps, []);
    });
  });

  describe('authentication', () => {
    it('refreshes once after a 401 and retries with the new token', async () => {
      const stale = await clientCredentialsToken(box.emulator.baseUrl);
      await revokeToken(box.emulator.baseUrl, stale);
      const refused: string[] = [];
      const tokens: TokenProvider = {
        getAccessToken: async () => stale,
        refreshAccessToken: async (token) => {
          refused.push(token);
          return clientCredentialsToken(box.emulator.baseUrl);
        },
      };
      const client = makeClient(box, { tokenProvider: tokens });
      const user = await client.getCurrentUser();
      assert.equal(user.id, SERVICE_ACCOUNT.id, 'an enterprise token: the service account');
      assert.deepEqual(refused, [stale]);
    });

    it('shares one refresh between concurrent requests refused with the same token', async () => {
      const stale = await clientCredentialsToken(box.emulator.baseUrl);
      await revokeToken(box.emulator.baseUrl, stale);
      let refreshes = 0;
      const client = makeClient(box, {
        tokenProvider: {
          getAccessToken: async () => stale,
          refreshAccessToken: async () => {
            refreshes += 1;
            return clientCredentialsToken(box.emulator.baseUrl);
          },
        },
      });
      const users = await Promise.all([1, 2, 3, 4].map(() => client.getCurrentUser()));
      assert.equal(users.length, 4);
      assert.equal(refreshes, 1);
    });

    it('a 401 after the refresh is a SignInRequiredError', async () => {
      let refreshes = 0;
      const client = makeClient(box, {
        tokenProvider: {
          getAccessToken: async () => 'not-a-valid-token-1',
          refreshAccessToken: async () => {
            refreshes += 1;
            return 'not-a-valid-token-2';
          },
        },
      });
      await assert.rejects(client.getCurrentUser(), (err: unknown) => {
        assert.ok(err instanceof SignInRequiredError);
        assert.equal(err.code, 'rejected_after_refresh');
        return true;
      });
      assert.equal(refreshes, 1);
    });

    it('no fresh token, or no way to refresh, is a SignInRequiredError', async () => {
      const nothing = makeClient(box, {
        tokenProvider: {
          getAccessToken: async () => 'expired-token',
          refreshAccessToken: async () => undefined,
        },
      });
      await assert.rejects(nothing.getCurrentUser(), {
        name: 'SignInRequiredError',
        code: 'refresh_unavailable',
      });
      const developerToken = makeClient(box, {
        tokenProvider: { getAccessToken: async () => 'expired-token' },
      });
      await assert.rejects(developerToken.getCurrentUser(), {
        name: 'SignInRequiredError',
        code: 'refresh_unavailable',
      });
    });

    it('an empty token is a SignInRequiredError before anything is sent', async () => {
      const before = box.emulator.stats.requests;
      const client = makeClient(box, { tokenProvider: { getAccessToken: async () => '' } });
      await assert.rejects(client.getCurrentUser(), { name: 'SignInRequiredError', code: 'no_token' });
      assert.equal(box.emulator.stats.requests, before);
    });
  });

  describe('retries', () => {
    it('honours Retry-After on 429 (seconds → ms)', async () => {
      const { sleeps, sleep } = recordingSleep();
      const client = makeClient(box, { sleep });
      box.emulator.faults.rateLimit = { remaining: 2, retryAfterSeconds: 7 };
      const before = requestsTo(box.emulator, 'GET /2.0/users/me');
      const user = await client.getCurrentUser();
      assert.equal(user.id, DEFAULT_USER.id);
      assert.deepEqual(sleeps, [7000, 7000]);
      assert.equal(requestsTo(box.emulator, 'GET /2.0/users/me') - before, 3);
    });

    it('caps a huge Retry-After', async () => {
      const { sleeps, sleep } = recordingSleep();
      box.emulator.faults.rateLimit = { remaining: 1, retryAfterSeconds: 3600 };
      await makeClient(box, { sleep }).getCurrentUser();
      assert.deepEqual(sleeps, [120_000]);
    });

    it('retries 5xx with jittered exponential backoff, then succeeds', async () => {
      const { sleeps, sleep } = recordingSleep();
      box.emulator.faults.serverErrors = { remaining: 2, status: 502 };
      const folder = await makeClient(box, { sleep }).getFolder(box.bigFolderId);
      assert.equal(folder.name, 'big');
      // random() = 0.5 of the ceilings 1 s and 2 s.
      assert.deepEqual(sleeps, [500, 1000]);
    });

    it('uses the Retry-After of a 503', async () => {
      const { sleeps, sleep } = recordingSleep();
      box.emulator.faults.serverErrors = { remaining: 1, status: 503, retryAfterSeconds: 3 };
      await makeClient(box, { sleep }).getCurrentUser();
      assert.deepEqual(sleeps, [3000]);
    });

    it('gives up after the maximum attempts with the last error', async () => {
      const { sleeps, sleep } = recordingSleep();
      box.emulator.faults.serverErrors = { remaining: 100, status: 500 };
      const before = requestsTo(box.emulator, 'GET /2.0/users/me');
      const client = makeClient(box, { sleep, retry: { maxAttempts: 3, random: () => 0.5 } });
      await assert.rejects(client.getCurrentUser(), (err: unknown) => {
        assert.ok(err instanceof BoxApiError);
        assert.equal(err.status, 500);
        assert.equal(err.code, 'internal_server_error');
        assert.match(
          err.message,
          /^Box answered 500 internal_server_error for GET \/2\.0\/users\/me: .*gave up after 3 attempts/,
        );
        return true;
      });
      assert.equal(requestsTo(box.emulator, 'GET /2.0/users/me') - before, 3);
      assert.equal(sleeps.length, 2);
    });

    it('gives up at once when Retry-After would exceed the retry budget', async () => {
      const { sleeps, sleep } = recordingSleep();
      box.emulator.faults.rateLimit = { remaining: 5, retryAfterSeconds: 10 };
      const client = makeClient(box, { sleep, retry: { budgetMs: 5000 } });
      await assert.rejects(client.getCurrentUser(), {
        status: 429,
        code: 'rate_limit_exceeded',
        retryAfterMs: 10_000,
      });
      assert.deepEqual(sleeps, []);
    });

    it('retries a refused connection for reads, then reports a network error', async () => {
      const { sleeps, sleep } = recordingSleep();
      const client = new BoxClient({
        baseUrl: 'http://127.0.0.1:1',
        tokenProvider: { getAccessToken: async () => 'token' },
        sleep,
        retry: { maxAttempts: 3, random: () => 0.5 },
      });
      await assert.rejects(client.getCurrentUser(), (err: unknown) => {
        assert.ok(err instanceof BoxNetworkError);
        assert.equal(err.code, 'refused');
        assert.equal(err.requestSent, false);
        assert.match(err.message, /^Network refused for GET \/2\.0\/users\/me: .*gave up after 3 attempts/);
        return true;
      });
      assert.deepEqual(sleeps, [500, 1000]);
    });

    it('an abort during a retry wait rejects at once with the abort reason', async () => {
      box.emulator.faults.rateLimit = { remaining: 5, retryAfterSeconds: 60 };
      const controller = new AbortController();
      const reason = new Error('cancelled by the user');
      const client = makeClient(box); // the real sleep: it would wait 60 s
      const pending = client.getCurrentUser({ signal: controller.signal });
      setTimeout(() => controller.abort(reason), 100);
      await assert.rejects(pending, (err) => err === reason);
    });

    it('an already aborted signal sends nothing', async () => {
      const before = box.emulator.stats.requests;
      await assert.rejects(makeClient(box).getCurrentUser({ signal: AbortSignal.abort() }), {
        name: 'AbortError',
      });
      assert.equal(box.emulator.stats.requests, before);
    });
  });
});
