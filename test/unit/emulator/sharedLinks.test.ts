// The emulator's shared links: the `shared_link` field, `GET /2.0/shared_items` with the `BoxApi` header, Box's
// errors for a missing or wrong password, link-only items reachable only with the header, and the ZIP knob.
import assert from 'node:assert/strict';
import { SpecValidator } from './openapi';
import { startFixture, writeTree, type Fixture } from './support';

const LINK = 'https://app.box.com/s/linkhash123';
const LOCKED = 'https://app.box.com/s/lockedhash456';
const boxapi = (url: string, password?: string) => ({
  boxapi: `shared_link=${url}${password === undefined ? '' : `&shared_link_password=${encodeURIComponent(password)}`}`,
});

describe('emulator: shared links', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let validator: SpecValidator;
  const id = (relPath: string) => fx.emulator.idForPath(relPath);

  before(async () => {
    validator = new SpecValidator();
    fx = await startFixture(
      await writeTree({
        'Mine/own.txt': 'own',
        'Shared/a.txt': 'alpha',
        'Shared/sub/b.txt': 'beta',
        'Locked/secret.txt': 'locked',
      }),
      {
        sharedLinks: [
          { path: 'Shared', hash: 'linkhash123', vanityName: 'team-docs' },
          { path: 'Locked', hash: 'lockedhash456', password: 'p&ss=word' },
          { path: 'Mine/own.txt', hash: 'ownfilehash', linkOnly: false },
        ],
      },
    );
  });
  after(() => fx.close());

  async function json(res: Response, status: number, schema: string): Promise<Record<string, unknown>> {
    const text = await res.text();
    assert.equal(res.status, status, text);
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.equal(validator.check(schema, body), undefined, text);
    return body;
  }

  it('GET /shared_items resolves a link, its vanity form and a company subdomain, as Folder--Full', async () => {
    for (const url of [LINK, 'https://app.box.com/v/team-docs', 'https://acme.app.box.com/s/linkhash123']) {
      const body = await json(await fx.get('/2.0/shared_items', boxapi(url)), 200, 'Folder--Full');
      assert.equal(body.id, id('Shared'));
      const link = body.shared_link as Record<string, unknown>;
      assert.equal(link.url, LINK);
      assert.equal(link.vanity_url, 'https://app.box.com/v/team-docs');
      assert.equal(link.is_password_enabled, false);
    }
  });

  it('a password-protected link: 403 incorrect_shared_item_password when missing or wrong, 200 when right', async () => {
    for (const password of [undefined, 'wrong']) {
      const body = await json(
        await fx.get('/2.0/shared_items', boxapi(LOCKED, password)),
        403,
        'ClientError',
      );
      assert.equal(body.code, 'incorrect_shared_item_password');
    }
    const ok = await json(
      await fx.get('/2.0/shared_items', boxapi(LOCKED, 'p&ss=word')),
      200,
      'Folder--Full',
    );
    assert.equal((ok.shared_link as Record<string, unknown>).is_password_enabled, true);
  });

  it('an unknown link is 404, and /shared_items without the header is 400', async () => {
    await json(await fx.get('/2.0/shared_items', boxapi('https://app.box.com/s/nosuch')), 404, 'ClientError');
    await json(await fx.get('/2.0/shared_items'), 400, 'ClientError');
  });

  it('a file of the user that has a link is File--Full with its shared_link', async () => {
    const body = await json(await fx.get(`/2.0/files/${id('Mine/own.txt')}`), 200, 'File--Full');
    assert.equal((body.shared_link as Record<string, unknown>).url, 'https://app.box.com/s/ownfilehash');
  });

  it('link-only items: hidden without the header, listed, read and downloaded with it', async () => {
    const root = await fx.getJson<{ entries: { name: string }[] }>('/2.0/folders/0/items');
    assert.deepEqual(root.entries.map((e) => e.name).sort(), ['Mine']);
    assert.equal((await fx.get(`/2.0/folders/${id('Shared')}/items`)).status, 404);
    assert.equal((await fx.get(`/2.0/files/${id('Shared/sub/b.txt')}/content`)).status, 404);

    const items = await json(
      await fx.get(`/2.0/folders/${id('Shared/sub')}/items`, boxapi(LINK)),
      200,
      'Items',
    );
    assert.deepEqual(
      (items.entries as { name: string }[]).map((e) => e.name),
      ['b.txt'],
    );
    await json(await fx.get(`/2.0/folders/${id('Shared')}`, boxapi(LINK)), 200, 'Folder--Full');
    await json(await fx.get(`/2.0/files/${id('Shared/a.txt')}`, boxapi(LINK)), 200, 'File--Full');
    const content = await fx.get(`/2.0/files/${id('Shared/a.txt')}/content`, boxapi(LINK));
    assert.equal(content.status, 302);
    assert.equal(await (await fetch(content.headers.get('location')!)).text(), 'alpha');
    // One link does not open another link's items.
    assert.equal((await fx.get(`/2.0/folders/${id('Locked')}`, boxapi(LINK))).status, 404);
    const wrong = await fx.get(`/2.0/folders/${id('Locked')}`, boxapi(LOCKED, 'nope'));
    assert.equal(wrong.status, 403);
  });

  it('ZIPs of link-only items: accepted by default, 404 with zipRefusesLinkOnly', async () => {
    const items = [{ type: 'folder', id: id('Shared') }];
    assert.equal((await fx.post('/2.0/zip_downloads', { items }, boxapi(LINK))).status, 202);
    fx.emulator.faults.zipRefusesLinkOnly = true;
    try {
      await json(await fx.post('/2.0/zip_downloads', { items }, boxapi(LINK)), 404, 'ClientError');
      const own = [{ type: 'folder', id: id('Mine') }];
      assert.equal((await fx.post('/2.0/zip_downloads', { items: own })).status, 202);
    } finally {
      fx.emulator.faults.zipRefusesLinkOnly = false;
    }
  });
});
