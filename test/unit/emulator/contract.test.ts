// Contract tests: every kind of JSON the emulator sends is validated against the schema Box's OpenAPI spec names for
// that operation and status.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { DOCUMENTED_EXTRA_CODES, SpecValidator } from './openapi';
import { createZip, startFixture, writeTree, type Fixture } from './support';

type Json = Record<string, unknown>;

const CLIENT = { client_id: 'emulator-client-id', client_secret: 'emulator-client-secret' };

describe('emulator: OpenAPI contract', function () {
  this.timeout(60_000);
  let validator: SpecValidator;
  let fx: Fixture;
  const covered = new Set<string>();

  before(async () => {
    validator = new SpecValidator();
    fx = await startFixture(
      await writeTree(
        {
          'Project/readme.md': 'readme',
          'Project/src/a.ts': 'a',
          'Project/private.txt': 'p',
          'Other/Project/b.txt': 'b',
          'top.txt': 'top',
        },
        ['Project/empty'],
      ),
    );
  });
  after(() => fx.close());

  /** Asserts the response body matches the schema the spec names for specPath + method + status. */
  async function expectContract(
    res: Response,
    specPath: string,
    method: string,
    kind: string,
  ): Promise<Json> {
    const text = await res.text();
    const schema = validator.schemaNameFor(specPath, method, res.status);
    assert.ok(schema, `spec names no JSON schema for ${method} ${specPath} ${res.status}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = JSON.parse(text) as Json;
    const problem = validator.check(schema, body);
    assert.equal(problem, undefined, `${kind}: ${problem}\n${text.slice(0, 2000)}`);
    covered.add(`${kind} → ${schema}`);
    return body;
  }

  const id = (relPath: string) => fx.emulator.idForPath(relPath);

  describe('the validator itself', () => {
    it('rejects deliberately wrong objects', () => {
      assert.notEqual(validator.check('Folder--Full', { type: 'folder', id: 123 }), undefined);
      assert.notEqual(validator.check('Folder--Full', { type: 'file', id: '1' }), undefined);
      assert.notEqual(
        validator.check('ZipDownloadStatus', { state: 'done', total_file_count: -1 }),
        undefined,
      );
      assert.notEqual(validator.check('ZipDownload', { expires_at: 'tomorrow' }), undefined);
      assert.notEqual(validator.check('AccessToken', { access_token: 't', token_type: 'mac' }), undefined);
      assert.notEqual(validator.check('Items', { entries: [{ type: 'file' }] }), undefined);
      assert.notEqual(
        validator.check('ClientError', { type: 'error', status: '404', code: 'not_found' }),
        undefined,
      );
      assert.notEqual(
        validator.check('ClientError', { type: 'error', status: 400, code: 'made_up' }),
        undefined,
      );
    });

    it('accepts the spec examples it should, including nullable fields', () => {
      assert.equal(
        validator.check('Folder--Full', {
          type: 'folder',
          id: '0',
          etag: null,
          sequence_id: null,
          parent: null,
        }),
        undefined,
      );
      for (const code of DOCUMENTED_EXTRA_CODES) {
        assert.equal(validator.check('ClientError', { type: 'error', status: 400, code }), undefined, code);
      }
    });
  });

  describe('folders', () => {
    it('GET /folders/{id}: root, subfolder, with fields', async () => {
      for (const query of [
        '0',
        id('Project'),
        `${id('Project')}?fields=name,size,path_collection,item_collection`,
      ]) {
        await expectContract(await fx.get(`/2.0/folders/${query}`), '/folders/{folder_id}', 'get', 'folder');
      }
    });

    it('GET /folders/{id}: 404 and 405 ClientErrors', async () => {
      await expectContract(
        await fx.get('/2.0/folders/999'),
        '/folders/{folder_id}',
        'get',
        'ClientError 404',
      );
      await expectContract(await fx.get('/2.0/folders/x'), '/folders/{folder_id}', 'get', 'ClientError 405');
    });

    it('GET /folders/{id}/items: offset, marker, fields, permissions', async () => {
      const spec = '/folders/{folder_id}/items';
      await expectContract(await fx.get(`/2.0/folders/${id('Project')}/items`), spec, 'get', 'items offset');
      await expectContract(
        await fx.get(`/2.0/folders/${id('Project')}/items?usemarker=true&limit=2`),
        spec,
        'get',
        'items marker',
      );
      const page = await expectContract(
        await fx.get(`/2.0/folders/${id('Project')}/items?fields=name,size,modified_at,sha1,permissions`),
        spec,
        'get',
        'items fields',
      );
      assert.equal((page.entries as Json[]).length, 4);
    });

    it('GET /folders/{id}/items: invalid_limit and invalid_offset', async () => {
      const spec = '/folders/{folder_id}/items';
      await expectContract(
        await fx.get(`/2.0/folders/0/items?limit=0`),
        spec,
        'get',
        'ClientError invalid_limit',
      );
      await expectContract(
        await fx.get(`/2.0/folders/0/items?offset=-3`),
        spec,
        'get',
        'ClientError invalid_offset',
      );
    });
  });

  describe('files and users', () => {
    it('GET /files/{id}: standard and with fields; 404', async () => {
      await expectContract(
        await fx.get(`/2.0/files/${id('Project/readme.md')}`),
        '/files/{file_id}',
        'get',
        'file',
      );
      await expectContract(
        await fx.get(`/2.0/files/${id('Project/readme.md')}?fields=sha1,size,permissions,extension`),
        '/files/{file_id}',
        'get',
        'file fields',
      );
      await expectContract(await fx.get('/2.0/files/1'), '/files/{file_id}', 'get', 'ClientError 404');
    });

    it('GET /files/{id}/content: 403 for an inaccessible file', async () => {
      fx.emulator.faults.inaccessible = ['Project/private.txt'];
      try {
        const res = await fx.get(`/2.0/files/${id('Project/private.txt')}/content`);
        assert.equal(res.status, 403);
        await expectContract(res, '/files/{file_id}/content', 'get', 'ClientError 403');
      } finally {
        fx.emulator.faults.inaccessible = [];
      }
    });

    it('GET /users/me: standard and with enterprise', async () => {
      await expectContract(await fx.get('/2.0/users/me'), '/users/me', 'get', 'user');
      await expectContract(
        await fx.get('/2.0/users/me?fields=enterprise,login'),
        '/users/me',
        'get',
        'user fields',
      );
    });
  });

  describe('ZIP downloads', () => {
    const spec = '/zip_downloads';

    it('POST /zip_downloads: 202 plain and with name conflicts', async () => {
      const res = await fx.post('/2.0/zip_downloads', { items: [{ type: 'folder', id: id('Project') }] });
      assert.equal(res.status, 202);
      await expectContract(res, spec, 'post', 'zip create');
      const conflicts = await fx.post('/2.0/zip_downloads', {
        items: [
          { type: 'folder', id: id('Project') },
          { type: 'folder', id: id('Other/Project') },
        ],
      });
      const body = await expectContract(conflicts, spec, 'post', 'zip create with conflicts');
      assert.equal((body.name_conflicts as unknown[]).length, 1);
    });

    it('POST /zip_downloads: every error kind', async () => {
      const cases: [unknown, string][] = [
        [{ items: [] }, 'bad_request'],
        [{ items: [{ type: 'folder', id: '0' }] }, 'bad_request'],
        [{ items: [{ type: 'folder', id: '999' }] }, 'not_found'],
      ];
      for (const [body, code] of cases) {
        const parsed = await expectContract(
          await fx.post('/2.0/zip_downloads', body),
          spec,
          'post',
          `ClientError ${code}`,
        );
        assert.equal(parsed.code, code);
      }
      const faults = fx.emulator.faults;
      faults.inaccessible = ['Project/private.txt'];
      const forbidden = await fx.post('/2.0/zip_downloads', {
        items: [{ type: 'file', id: id('Project/private.txt') }],
      });
      assert.equal((await expectContract(forbidden, spec, 'post', 'ClientError 403')).status, 403);
      faults.inaccessible = [];
      faults.maxZipFiles = 1;
      const many = await fx.post('/2.0/zip_downloads', { items: [{ type: 'folder', id: id('Project') }] });
      await expectContract(many, spec, 'post', 'ClientError file count');
      faults.maxZipFiles = 10_000;
      faults.maxZipBytes = 1;
      const big = await fx.post('/2.0/zip_downloads', { items: [{ type: 'folder', id: id('Project') }] });
      await expectContract(big, spec, 'post', 'ClientError bytes');
      faults.maxZipBytes = 1024 ** 3;
    });

    it('status: 404 before start, in_progress while streaming, succeeded and failed after', async () => {
      const statusSpec = '/zip_downloads/{zip_download_id}/status';
      const contentSpec = '/zip_downloads/{zip_download_id}/content';
      const created = await createZip(fx, [{ type: 'folder', id: id('Project') }]);
      await expectContract(await fx.get(created.status_url), statusSpec, 'get', 'ClientError status 404');

      fx.emulator.faults.bytesPerSecond = 50;
      const streaming = await request(created.download_url);
      const inProgress = await expectContract(
        await fx.get(created.status_url),
        statusSpec,
        'get',
        'zip status',
      );
      assert.equal(inProgress.state, 'in_progress');
      fx.emulator.faults.bytesPerSecond = undefined;
      await streaming.body.arrayBuffer();
      const done = await expectContract(await fx.get(created.status_url), statusSpec, 'get', 'zip status');
      assert.equal(done.state, 'succeeded');
      await expectContract(await fetch(created.download_url), contentSpec, 'get', 'ClientError content 404');

      fx.emulator.faults.cutAfterBytes = 10;
      fx.emulator.faults.cutDownloads = 1;
      const cut = await createZip(fx, [{ type: 'folder', id: id('Project') }]);
      await fetch(cut.download_url)
        .then((res) => res.arrayBuffer())
        .catch(() => undefined);
      const failed = await expectContract(await fx.get(cut.status_url), statusSpec, 'get', 'zip status');
      assert.equal(failed.state, 'failed');
      fx.emulator.faults.cutAfterBytes = undefined;
    });

    it('content: 429 user_too_many_concurrent_downloads', async () => {
      fx.emulator.faults.maxConcurrentDownloads = 0;
      try {
        const created = await createZip(fx, [{ type: 'folder', id: id('Project') }]);
        const res = await fetch(created.download_url);
        assert.equal(res.status, 429);
        await expectContract(
          res,
          '/zip_downloads/{zip_download_id}/content',
          'get',
          'ClientError 429 downloads',
        );
      } finally {
        fx.emulator.faults.maxConcurrentDownloads = 5;
      }
    });
  });

  describe('injected faults', () => {
    it('429 rate_limit_exceeded and 500/502/503 are ClientErrors', async () => {
      fx.emulator.faults.rateLimit = { remaining: 1, retryAfterSeconds: 1 };
      await expectContract(await fx.get('/2.0/folders/0'), '/folders/{folder_id}', 'get', 'ClientError 429');
      for (const status of [500, 502, 503] as const) {
        fx.emulator.faults.serverErrors = { remaining: 1, status };
        await expectContract(await fx.get('/2.0/users/me'), '/users/me', 'get', `ClientError ${status}`);
      }
    });

    it('401 is an empty body with WWW-Authenticate (no JSON to validate), 304 is empty', async () => {
      const res = await fetch(`${fx.emulator.baseUrl}/2.0/folders/0`);
      assert.equal(res.status, 401);
      assert.equal(await res.text(), '');
      assert.match(res.headers.get('www-authenticate')!, /^Bearer realm="Service", error="invalid_token"/);
      const folder = (await (await fx.get(`/2.0/folders/${id('Project')}`)).json()) as Json;
      const notModified = await fx.get(`/2.0/folders/${id('Project')}`, {
        'if-none-match': folder.etag as string,
      });
      assert.equal(notModified.status, 304);
      assert.equal(await notModified.text(), '');
    });
  });

  describe('OAuth', () => {
    async function code(): Promise<string> {
      const url = new URL(`${fx.emulator.baseUrl}/api/oauth2/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: CLIENT.client_id,
        redirect_uri: 'http://127.0.0.1:1234/callback',
      }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      return new URL(res.headers.get('location')!).searchParams.get('code')!;
    }

    it('token: AccessToken for code, refresh and client-credentials grants', async () => {
      const first = await expectContract(
        await fx.form('/oauth2/token', { grant_type: 'authorization_code', code: await code(), ...CLIENT }),
        '/oauth2/token',
        'post',
        'AccessToken code',
      );
      await expectContract(
        await fx.form('/oauth2/token', {
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token as string,
          ...CLIENT,
        }),
        '/oauth2/token',
        'post',
        'AccessToken refresh',
      );
      await expectContract(
        await fx.form('/oauth2/token', {
          grant_type: 'client_credentials',
          box_subject_type: 'enterprise',
          box_subject_id: '30000001',
          ...CLIENT,
        }),
        '/oauth2/token',
        'post',
        'AccessToken ccg',
      );
    });

    it('token and revoke: every OAuth2Error kind', async () => {
      const cases: [string, Record<string, string>, string][] = [
        ['/oauth2/token', { grant_type: 'authorization_code', code: 'bad', ...CLIENT }, 'invalid_grant'],
        [
          '/oauth2/token',
          { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'x', client_secret: 'y' },
          'invalid_client',
        ],
        ['/oauth2/token', { ...CLIENT }, 'invalid_request'],
        ['/oauth2/token', { grant_type: 'password', ...CLIENT }, 'unsupported_grant_type'],
        ['/oauth2/revoke', { token: 't', client_id: 'x', client_secret: 'y' }, 'invalid_client'],
        ['/oauth2/revoke', { ...CLIENT }, 'invalid_request'],
      ];
      for (const [route, fields, error] of cases) {
        const res = await fx.form(route, fields);
        assert.equal(res.status, 400);
        const body = await expectContract(res, route, 'post', `OAuth2Error ${error}`);
        assert.equal(body.error, error);
      }
    });
  });

  // Last suite on purpose: mocha runs a describe's own tests before its nested suites.
  describe('coverage', () => {
    it('covered every kind of JSON response', () => {
      const schemas = new Set([...covered].map((entry) => entry.split(' → ')[1]));
      for (const schema of [
        'Folder--Full',
        'Items',
        'File--Full',
        'User--Full',
        'ZipDownload',
        'ZipDownloadStatus',
      ]) {
        assert.ok(schemas.has(schema), schema);
      }
      for (const schema of ['ClientError', 'AccessToken', 'OAuth2Error'])
        assert.ok(schemas.has(schema), schema);
      assert.ok(covered.size >= 30, `only ${covered.size} kinds covered`);
    });
  });
});
