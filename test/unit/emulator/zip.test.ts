import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { request } from 'undici';
import { ManualClock } from '../../helpers/clock';
import { makeTree } from '../../helpers/tree';
import {
  createZip,
  downloadZip,
  readZip,
  startFixture,
  statusOf,
  tempDir,
  writeTree,
  type Fixture,
} from './support';

type Json = Record<string, unknown>;

describe('emulator: ZIP downloads', () => {
  let fx: Fixture;
  let clock: ManualClock;
  const folder = () => ({ type: 'folder', id: fx.emulator.idForPath('Project') });

  beforeEach(async () => {
    clock = new ManualClock();
    fx = await startFixture(
      await writeTree(
        {
          'Project/readme.md': '# hello\n'.repeat(50),
          'Project/src/main.ts': 'export {};\n',
          'Project/src/lib/util.ts': 'export const x = 1;\n',
          'Project/secret/keys.txt': 'k',
          'Project/private.txt': 'p',
          'Other/readme.md': 'other readme',
          'Other/Project/inner.txt': 'inner',
          'report.pdf': 'pdf-1',
          'Other/report.pdf': 'pdf-2',
        },
        ['Project/empty', 'Project/src/also-empty'],
      ),
      { clock },
    );
  });
  afterEach(() => fx.close());

  it('answers 202 with both URLs on their own origins, an ISO expiry and no conflicts', async () => {
    const res = await fx.post('/2.0/zip_downloads', { items: [folder()], download_file_name: 'Project' });
    assert.equal(res.status, 202);
    const body = (await res.json()) as Json;
    const download = body.download_url as string;
    const status = body.status_url as string;
    assert.ok(download.startsWith(`${fx.emulator.downloadOrigin}/2.0/zip_downloads/`));
    assert.ok(status.startsWith(`${fx.emulator.baseUrl}/2.0/zip_downloads/`));
    assert.notEqual(fx.emulator.downloadOrigin, fx.emulator.baseUrl);
    const id = download.split('/')[5];
    assert.match(id, /=/);
    assert.match(id, /-/);
    assert.match(id, /_/);
    assert.match(body.expires_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(body.name_conflicts, []);
    assert.equal(fx.emulator.stats.zipCreates, 1);
  });

  it('streams a deflated archive with a top-level folder, data descriptors and empty-folder entries only', async () => {
    fx.emulator.faults.inaccessible = [];
    const created = await createZip(fx, [folder()], 'My Project');
    const res = await fetch(created.download_url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.equal(
      res.headers.get('content-disposition'),
      `attachment;filename="My Project.zip";filename*=UTF-8''My%20Project.zip`,
    );
    const entries = await readZip(Buffer.from(await res.arrayBuffer()));
    assert.deepEqual(entries.map((e) => e.name).sort(), [
      'Project/empty/',
      'Project/private.txt',
      'Project/readme.md',
      'Project/secret/keys.txt',
      'Project/src/also-empty/',
      'Project/src/lib/util.ts',
      'Project/src/main.ts',
    ]);
    const readme = entries.find((e) => e.name === 'Project/readme.md')!;
    assert.equal(readme.content.toString(), '# hello\n'.repeat(50));
    assert.equal(readme.method, 8);
    assert.ok(entries.filter((e) => !e.name.endsWith('/')).every((e) => e.usesDataDescriptor && !e.zip64));
  });

  it('puts file items at the top level by name', async () => {
    const { buffer } = await downloadZip(fx, [
      { type: 'file', id: fx.emulator.idForPath('Other/readme.md') },
      { type: 'folder', id: fx.emulator.idForPath('Other/Project') },
    ]);
    const entries = await readZip(buffer);
    assert.deepEqual(entries.map((e) => e.name).sort(), ['Project/inner.txt', 'readme.md']);
  });

  it('renames both sides of a top-level name clash and reports them in pairs', async () => {
    const created = await createZip(fx, [
      folder(),
      { type: 'folder', id: fx.emulator.idForPath('Other/Project') },
      { type: 'file', id: fx.emulator.idForPath('report.pdf') },
      { type: 'file', id: fx.emulator.idForPath('Other/report.pdf') },
    ]);
    assert.equal(created.name_conflicts.length, 2);
    const [folders, files] = created.name_conflicts;
    assert.ok(folders.every((c) => c.type === 'folder' && c.original_name === 'Project'));
    assert.ok(folders.every((c) => /^[0-9a-f]{6}_Project$/.test(c.download_name)));
    assert.ok(files.every((c) => c.type === 'file' && /^[0-9a-f]{6}\.pdf$/.test(c.download_name)));
    const entries = await readZip(Buffer.from(await (await fetch(created.download_url)).arrayBuffer()));
    const names = entries.map((e) => e.name);
    for (const conflict of files) assert.ok(names.includes(conflict.download_name));
    const renamedOther = folders.find((c) => c.id === fx.emulator.idForPath('Other/Project'))!;
    assert.ok(names.includes(`${renamedOther.download_name}/inner.txt`));
    assert.ok(!names.some((name) => name.startsWith('Project/')));
  });

  it('makes the download URL single use, with 404 on a second GET', async () => {
    const created = await createZip(fx, [folder()]);
    const first = await fetch(created.download_url);
    await first.arrayBuffer();
    assert.equal(first.status, 200);
    const second = await fetch(created.download_url);
    assert.equal(second.status, 404);
    assert.equal(((await second.json()) as Json).code, 'not_found');
    assert.equal(fx.emulator.stats.downloadsStarted, 1);
  });

  it('needs no auth on the download URL and ignores a bearer token there', async () => {
    const created = await createZip(fx, [folder()]);
    const res = await fetch(created.download_url, { headers: { authorization: 'Bearer whatever' } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });

  it('expires an unused download URL after expires_at; a started download keeps its status for 12 hours', async () => {
    const started = await createZip(fx, [folder()]);
    const unused = await createZip(fx, [folder()]);
    const expiresAt = Date.parse(unused.expires_at);
    assert.ok(expiresAt > clock.now());
    clock.advance(expiresAt - clock.now()); // at expires_at: still usable
    const download = await fetch(started.download_url);
    assert.equal(download.status, 200);
    await download.arrayBuffer();
    clock.advance(1);
    assert.equal((await fetch(unused.download_url)).status, 404);
    assert.equal((await fx.get(unused.status_url)).status, 404);
    assert.equal((await fx.get(started.status_url)).status, 200);
    clock.advance(12 * 3600 * 1000);
    assert.equal((await fx.get(started.status_url)).status, 404);
  });

  it('reports status: 404 before the download starts, counts and succeeded after, bearer required', async () => {
    fx.emulator.faults.inaccessible = ['Project/private.txt', 'Project/secret'];
    const created = await createZip(fx, [folder()]);
    assert.equal((await fx.get(created.status_url)).status, 404);
    const entries = await readZip(Buffer.from(await (await fetch(created.download_url)).arrayBuffer()));
    const names = entries.map((e) => e.name);
    assert.ok(!names.includes('Project/private.txt'));
    assert.ok(!names.some((name) => name.startsWith('Project/secret')));
    assert.deepEqual(await statusOf(fx, created.status_url), {
      total_file_count: 5,
      downloaded_file_count: 3,
      skipped_file_count: 2,
      skipped_folder_count: 1,
      state: 'succeeded',
    });
    assert.equal((await fetch(created.status_url)).status, 401);
  });

  it('reports in_progress while the archive is still streaming', async () => {
    const root = await tempDir();
    await makeTree(path.join(root, 'Big'), {
      seed: 7,
      files: 40,
      maxDepth: 2,
      minSize: 50_000,
      maxSize: 200_000,
    });
    const big = await startFixture(root, { faults: { bytesPerSecond: 200_000 } });
    try {
      const created = await createZip(big, [{ type: 'folder', id: big.emulator.idForPath('Big') }]);
      const res = await request(created.download_url);
      for await (const chunk of res.body) {
        assert.ok(chunk.length > 0);
        break;
      }
      const status = await statusOf(big, created.status_url);
      assert.equal(status.state, 'in_progress');
      assert.equal(status.total_file_count, 40);
      res.body.destroy();
    } finally {
      await big.close();
    }
  });

  it('refuses items the user cannot access with 403 and unknown ones with 404', async () => {
    fx.emulator.faults.inaccessible = ['Project/private.txt'];
    const forbidden = await fx.post('/2.0/zip_downloads', {
      items: [{ type: 'file', id: fx.emulator.idForPath('Project/private.txt') }],
    });
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as Json).code, 'access_denied_insufficient_permissions');
    const unknown = await fx.post('/2.0/zip_downloads', { items: [{ type: 'folder', id: '999' }] });
    assert.equal(unknown.status, 404);
    const wrongType = await fx.post('/2.0/zip_downloads', {
      items: [{ type: 'file', id: fx.emulator.idForPath('Project') }],
    });
    assert.equal(wrongType.status, 404);
  });

  it('answers 400 bad_request for malformed requests and the root folder', async () => {
    const bodies: unknown[] = [
      '{not json',
      {},
      { items: [] },
      { items: [{ type: 'folder' }] },
      { items: [{ type: 'web_link', id: '1' }] },
      { items: [{ type: 'folder', id: 12 }] },
      { items: [{ type: 'folder', id: '0' }] },
    ];
    for (const body of bodies) {
      const res = await fx.post('/2.0/zip_downloads', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as Json).code, 'bad_request');
    }
  });

  it('enforces the file-count and byte limits at creation (files only)', async () => {
    fx.emulator.faults.maxZipFiles = 4;
    const tooMany = await fx.post('/2.0/zip_downloads', { items: [folder()] });
    assert.equal(tooMany.status, 400);
    assert.equal(((await tooMany.json()) as Json).code, 'zip_download_file_count_exceeded_limit');
    fx.emulator.faults.maxZipFiles = 5;
    fx.emulator.faults.maxZipBytes = 100;
    const tooBig = await fx.post('/2.0/zip_downloads', { items: [folder()] });
    assert.equal(tooBig.status, 400);
    assert.equal(((await tooBig.json()) as Json).code, 'zip_download_pre_compressed_bytes_exceeded_limit');
    fx.emulator.faults.maxZipBytes = 1000;
    assert.equal((await fx.post('/2.0/zip_downloads', { items: [folder()] })).status, 202);
  });

  it('answers 429 user_too_many_concurrent_downloads past the concurrency limit', async () => {
    fx.emulator.faults.maxConcurrentDownloads = 1;
    fx.emulator.faults.bytesPerSecond = 1000;
    const first = await createZip(fx, [folder()]);
    const second = await createZip(fx, [folder()]);
    const streaming = await request(first.download_url);
    const refused = await fetch(second.download_url);
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as Json).code, 'user_too_many_concurrent_downloads');
    streaming.body.destroy();
  });

  it('writes store-only, mixed and forced-ZIP64 archives on request', async () => {
    fx.emulator.faults.zipCompression = 'store';
    let entries = await readZip((await downloadZip(fx, [folder()])).buffer);
    assert.ok(entries.filter((e) => !e.name.endsWith('/')).every((e) => e.method === 0));

    fx.emulator.faults.zipCompression = 'mixed';
    entries = await readZip((await downloadZip(fx, [folder()])).buffer);
    const methods = new Set(entries.filter((e) => !e.name.endsWith('/')).map((e) => e.method));
    assert.deepEqual([...methods].sort(), [0, 8]);

    fx.emulator.faults.zipCompression = 'deflate';
    fx.emulator.faults.forceZip64 = true;
    entries = await readZip((await downloadZip(fx, [folder()])).buffer);
    assert.ok(entries.filter((e) => !e.name.endsWith('/')).every((e) => e.zip64));
    assert.equal(entries.find((e) => e.name === 'Project/src/main.ts')!.content.toString(), 'export {};\n');
  });

  it('reproduces a generated tree byte for byte', async () => {
    const root = await tempDir();
    const tree = await makeTree(path.join(root, 'Gen'), {
      seed: 42,
      files: 60,
      maxDepth: 3,
      minSize: 0,
      maxSize: 100_000,
      emptyFolders: 3,
    });
    const gen = await startFixture(root);
    try {
      const { buffer, created } = await downloadZip(gen, [
        { type: 'folder', id: gen.emulator.idForPath('Gen') },
      ]);
      const entries = await readZip(buffer);
      const files = entries.filter((e) => !e.name.endsWith('/'));
      assert.deepEqual(files.map((e) => e.name.slice('Gen/'.length)).sort(), tree.files);
      for (const entry of files) {
        const expected = await fs.readFile(path.join(root, entry.name));
        assert.ok(entry.content.equals(expected), entry.name);
      }
      assert.equal(entries.filter((e) => e.name.endsWith('/')).length, 3);
      const status = await statusOf(gen, created.status_url);
      assert.equal(status.total_file_count, 60);
      assert.equal(status.downloaded_file_count, 60);
    } finally {
      await gen.close();
    }
  });
});
