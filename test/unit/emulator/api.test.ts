import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { startFixture, writeTree, type Fixture } from './support';

type Json = Record<string, unknown>;
type Entries = { entries: Json[] } & Json;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('emulator: content API', () => {
  let fx: Fixture;
  const files: Record<string, string> = {
    'Docs/b.txt': 'bravo',
    'Docs/A.txt': 'alpha!',
    'Docs/Sub/deep.md': 'deep',
    'Docs/c.bin': 'c'.repeat(300),
    'top.txt': 'top',
  };

  before(async () => {
    fx = await startFixture(await writeTree(files, ['Docs/Empty']));
  });
  after(() => fx.close());

  describe('GET /2.0/folders/{id}', () => {
    it('serves the root as "All Files" with id 0, no parent and an item collection', async () => {
      const root = await fx.getJson('/2.0/folders/0');
      assert.equal(root.id, '0');
      assert.equal(root.name, 'All Files');
      assert.equal(root.parent, null);
      assert.deepEqual(root.path_collection, { total_count: 0, entries: [] });
      assert.equal(root.size, 5 + 6 + 4 + 300 + 3);
      const collection = root.item_collection as Entries;
      assert.equal(collection.total_count, 2);
      assert.deepEqual(
        collection.entries.map((e) => [e.type, e.name]),
        [
          ['folder', 'Docs'],
          ['file', 'top.txt'],
        ],
      );
    });

    it('gives a path collection from the root, the folder size and an etag that answers 304', async () => {
      const id = fx.emulator.idForPath('Docs/Sub');
      const res = await fx.get(`/2.0/folders/${id}`);
      assert.equal(res.status, 200);
      const folder = (await res.json()) as Json;
      assert.equal(folder.name, 'Sub');
      assert.equal(folder.size, 4);
      assert.deepEqual(
        (folder.path_collection as Entries).entries.map((e) => [e.id, e.name]),
        [
          ['0', 'All Files'],
          [fx.emulator.idForPath('Docs'), 'Docs'],
        ],
      );
      assert.equal((folder.parent as Json).id, fx.emulator.idForPath('Docs'));
      assert.equal(typeof folder.etag, 'string');
      const again = await fx.get(`/2.0/folders/${id}`, { 'if-none-match': folder.etag as string });
      assert.equal(again.status, 304);
      assert.equal(await again.text(), '');
    });

    it('answers 404 for an unknown id, 405 for a malformed one, 404 for a file id', async () => {
      assert.equal((await fx.get('/2.0/folders/123456789')).status, 404);
      const malformed = await fx.get('/2.0/folders/abc');
      assert.equal(malformed.status, 405);
      assert.equal(((await malformed.json()) as Json).code, 'method_not_allowed');
      const asFolder = await fx.get(`/2.0/folders/${fx.emulator.idForPath('top.txt')}`);
      assert.equal(asFolder.status, 404);
      const body = (await asFolder.json()) as Json;
      assert.equal(body.type, 'error');
      assert.equal(body.code, 'not_found');
      assert.equal(body.status, 404);
      assert.equal(typeof body.request_id, 'string');
      assert.equal(typeof body.help_url, 'string');
    });
  });

  describe('GET /2.0/folders/{id}/items', () => {
    const docs = () => fx.emulator.idForPath('Docs');

    it('lists folders before files, names case-insensitively, in the offset envelope', async () => {
      const page = await fx.getJson<Entries>(`/2.0/folders/${docs()}/items`);
      assert.deepEqual(
        page.entries.map((e) => e.name),
        ['Empty', 'Sub', 'A.txt', 'b.txt', 'c.bin'],
      );
      assert.equal(page.total_count, 5);
      assert.equal(page.offset, 0);
      assert.equal(page.limit, 100);
      assert.deepEqual(page.order, [
        { by: 'type', direction: 'ASC' },
        { by: 'name', direction: 'ASC' },
      ]);
      const file = page.entries[2];
      assert.equal(file.sha1, sha1('alpha!'));
      assert.deepEqual(file.file_version, {
        type: 'file_version',
        id: (file.file_version as Json).id,
        sha1: sha1('alpha!'),
      });
    });

    it('pages by offset and limit', async () => {
      const names: string[] = [];
      for (let offset = 0; ;) {
        const page = await fx.getJson<Entries>(`/2.0/folders/${docs()}/items?limit=2&offset=${offset}`);
        names.push(...page.entries.map((e) => e.name as string));
        offset += page.limit as number;
        if (offset >= (page.total_count as number)) break;
      }
      assert.deepEqual(names, ['Empty', 'Sub', 'A.txt', 'b.txt', 'c.bin']);
    });

    it('pages by marker until next_marker is null, without total_count', async () => {
      const names: string[] = [];
      let marker: string | null = null;
      let pages = 0;
      do {
        const query: string = `usemarker=true&limit=2${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`;
        const page: Entries = await fx.getJson<Entries>(`/2.0/folders/${docs()}/items?${query}`);
        assert.equal('total_count' in page, false);
        assert.equal(page.limit, 2);
        names.push(...page.entries.map((e) => e.name as string));
        marker = page.next_marker as string | null;
        pages++;
      } while (marker);
      assert.equal(pages, 3);
      assert.deepEqual(names, ['Empty', 'Sub', 'A.txt', 'b.txt', 'c.bin']);
    });

    it('returns type, id, etag plus exactly the requested fields', async () => {
      const page = await fx.getJson<Entries>(`/2.0/folders/${docs()}/items?fields=name,size,modified_at`);
      for (const entry of page.entries) {
        assert.deepEqual(Object.keys(entry).sort(), ['etag', 'id', 'modified_at', 'name', 'size', 'type']);
        assert.match(entry.modified_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
      assert.equal(page.entries.find((e) => e.name === 'Sub')!.size, 4);
      assert.equal(page.entries.find((e) => e.name === 'c.bin')!.size, 300);
    });

    it('sorts by size descending, still folders first', async () => {
      const page = await fx.getJson<Entries>(`/2.0/folders/${docs()}/items?sort=size&direction=DESC`);
      assert.deepEqual(
        page.entries.map((e) => e.name),
        ['Sub', 'Empty', 'c.bin', 'A.txt', 'b.txt'],
      );
      assert.deepEqual((page.order as Json[])[1], { by: 'size', direction: 'DESC' });
    });

    it('clamps limit to 1000 and rejects bad limits and offsets with Box codes', async () => {
      assert.equal((await fx.getJson<Entries>(`/2.0/folders/${docs()}/items?limit=5000`)).limit, 1000);
      for (const [query, code] of [
        ['limit=0', 'invalid_limit'],
        ['limit=abc', 'invalid_limit'],
        ['offset=-1', 'invalid_offset'],
        ['offset=10000', 'invalid_offset'],
      ]) {
        const res = await fx.get(`/2.0/folders/${docs()}/items?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(((await res.json()) as Json).code, code, query);
      }
    });

    it('refuses a marker without usemarker and sort with markers on the root', async () => {
      assert.equal((await fx.get(`/2.0/folders/${docs()}/items?marker=abc`)).status, 400);
      assert.equal((await fx.get('/2.0/folders/0/items?usemarker=true&sort=name')).status, 400);
      assert.equal((await fx.get(`/2.0/folders/${docs()}/items?usemarker=true&marker=%%%`)).status, 400);
    });
  });

  describe('files', () => {
    it('GET /2.0/files/{id} gives sha1, size, modified_at, etag, name, parent and path_collection', async () => {
      const file = await fx.getJson(`/2.0/files/${fx.emulator.idForPath('Docs/Sub/deep.md')}`);
      assert.equal(file.type, 'file');
      assert.equal(file.name, 'deep.md');
      assert.equal(file.size, 4);
      assert.equal(file.sha1, sha1('deep'));
      assert.equal((file.parent as Json).name, 'Sub');
      assert.deepEqual(
        (file.path_collection as Entries).entries.map((e) => e.name),
        ['All Files', 'Docs', 'Sub'],
      );
      assert.equal(typeof file.etag, 'string');
      assert.match(file.modified_at as string, /Z$/);
    });

    it('recomputes sha1 when a file changes', async () => {
      const id = fx.emulator.idForPath('top.txt');
      assert.equal((await fx.getJson(`/2.0/files/${id}`)).sha1, sha1('top'));
      await fs.writeFile(path.join(fx.root, 'top.txt'), 'changed!');
      const changed = await fx.getJson(`/2.0/files/${id}`);
      assert.equal(changed.sha1, sha1('changed!'));
      assert.equal(changed.size, 8);
      await fs.writeFile(path.join(fx.root, 'top.txt'), 'top');
    });

    it('GET /2.0/files/{id}/content redirects to the download origin, which serves the bytes and ranges', async () => {
      const res = await fx.get(`/2.0/files/${fx.emulator.idForPath('Docs/A.txt')}/content`);
      assert.equal(res.status, 302);
      const location = res.headers.get('location')!;
      assert.ok(location.startsWith(fx.emulator.downloadOrigin));
      const content = await fetch(location);
      assert.equal(content.status, 200);
      assert.equal(await content.text(), 'alpha!');
      const partial = await fetch(location, { headers: { range: 'bytes=1-3' } });
      assert.equal(partial.status, 206);
      assert.equal(partial.headers.get('content-range'), 'bytes 1-3/6');
      assert.equal(await partial.text(), 'lph');
      assert.equal((await fetch(location, { headers: { range: 'bytes=50-' } })).status, 416);
    });
  });

  describe('users/me, auth and routing', () => {
    it('GET /2.0/users/me gives the emulator user; enterprise only when asked', async () => {
      const me = await fx.getJson('/2.0/users/me');
      assert.equal(me.type, 'user');
      assert.equal(me.id, '20000001');
      assert.equal(me.login, 'emulator-user@example.com');
      assert.equal('enterprise' in me, false);
      const withEnterprise = await fx.getJson('/2.0/users/me?fields=enterprise,name');
      assert.deepEqual(Object.keys(withEnterprise).sort(), ['enterprise', 'id', 'name', 'type']);
      assert.equal((withEnterprise.enterprise as Json).id, '30000001');
    });

    it('answers a missing or bad token with 401, an empty body and WWW-Authenticate', async () => {
      for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
        const res = await fetch(`${fx.emulator.baseUrl}/2.0/folders/0`, { headers });
        assert.equal(res.status, 401);
        assert.equal(await res.text(), '');
        assert.equal(
          res.headers.get('www-authenticate'),
          'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."',
        );
      }
    });

    it('answers unknown routes with 404 and wrong methods with 405, as ClientErrors', async () => {
      const unknown = await fx.get('/2.0/nothing/here');
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as Json).code, 'not_found');
      const wrong = await fx.post('/2.0/folders/0', {});
      assert.equal(wrong.status, 405);
      assert.equal(((await wrong.json()) as Json).code, 'method_not_allowed');
    });

    it('counts requests per path', async () => {
      const before = fx.emulator.stats.byPath['GET /2.0/users/me'] ?? 0;
      await fx.getJson('/2.0/users/me');
      assert.equal(fx.emulator.stats.byPath['GET /2.0/users/me'], before + 1);
      assert.ok(fx.emulator.stats.apiRequests >= fx.emulator.stats.byPath['GET /2.0/users/me']);
    });
  });

  it('keeps ids stable across restarts of the same tree', async () => {
    const first = await fx.getJson<Entries>('/2.0/folders/0/items');
    const second = await startEmulator({ root: fx.root });
    try {
      const res = await fetch(`${second.baseUrl}/2.0/folders/0/items`, {
        headers: { authorization: `Bearer ${second.token}` },
      });
      const again = (await res.json()) as Entries;
      assert.deepEqual(
        again.entries.map((e) => e.id),
        first.entries.map((e) => e.id),
      );
      assert.equal(first.entries[0].id, fx.emulator.idForPath('Docs'));
    } finally {
      await second.close();
    }
  });
});
