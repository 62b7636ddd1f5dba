import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { request } from 'undici';
import { compareNames } from '../../../src/emulator/tree';
import { makeTree } from '../../helpers/tree';
import { createZip, downloadZip, readZip, startFixture, statusOf, tempDir, type Fixture } from './support';

type Json = Record<string, unknown>;

/** Reads a body to its end or its failure; returns the bytes received and whether it broke. */
async function drain(url: string): Promise<{ bytes: number; broken: boolean; buffer: Buffer }> {
  const res = await request(url);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks).length, broken: false, buffer: Buffer.concat(chunks) };
  } catch {
    return { bytes: Buffer.concat(chunks).length, broken: true, buffer: Buffer.concat(chunks) };
  }
}

describe('emulator: fault knobs', () => {
  let fx: Fixture;
  const project = () => ({ type: 'folder', id: fx.emulator.idForPath('Project') });

  before(async () => {
    const root = await tempDir();
    await makeTree(path.join(root, 'Project'), {
      seed: 3,
      files: 30,
      maxDepth: 2,
      minSize: 1000,
      maxSize: 40_000,
    });
    fx = await startFixture(root);
  });
  afterEach(() => {
    const faults = fx.emulator.faults;
    faults.rateLimit = faults.serverErrors = faults.fileContentNotReady = undefined;
    faults.bytesPerSecond = faults.cutAfterBytes = faults.cutDownloads = faults.entryDelayMs = undefined;
    faults.inaccessible = [];
    faults.statusInProgressPolls = 0;
    faults.latencyMs =
      faults.wrongSha1 =
      faults.refuseEveryZip =
      faults.concurrentDownloadRefusals =
        undefined;
  });
  after(() => fx.close());

  it('latencyMs: every API answer waits at least that long', async () => {
    fx.emulator.faults.latencyMs = 150;
    const started = performance.now();
    assert.equal((await fx.get('/2.0/users/me')).status, 200);
    // A lower bound only: an answer cannot come before its delay, however slow the machine.
    assert.ok(performance.now() - started >= 145);
  });

  it("wrongSha1: the listed sha1 is not the bytes' hash while the knob covers the file, then it is again", async () => {
    const folder = fx.emulator.idForPath('Project');
    const list = async () =>
      ((await (await fx.get(`/2.0/folders/${folder}/items?fields=name,sha1`)).json()) as { entries: Json[] })
        .entries;
    const first = (await list()).find((entry) => entry.type === 'file')!;
    fx.emulator.faults.wrongSha1 = { paths: [`Project/${first.name as string}`], remaining: 1 };
    const changed = (await list()).find((entry) => entry.id === first.id)!;
    assert.notEqual(changed.sha1, first.sha1);
    assert.equal((await list()).find((entry) => entry.id === first.id)!.sha1, first.sha1);
  });

  it('refuseEveryZip and concurrentDownloadRefusals: limit errors whatever the size, 429 on the next content GETs', async () => {
    fx.emulator.faults.refuseEveryZip = 'bytes';
    const refused = await fx.post('/2.0/zip_downloads', { items: [project()] });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as Json).code, 'zip_download_pre_compressed_bytes_exceeded_limit');
    fx.emulator.faults.refuseEveryZip = undefined;
    fx.emulator.faults.concurrentDownloadRefusals = 1;
    const zip = await createZip(fx, [project()]);
    const first = await request(zip.download_url);
    assert.equal(first.statusCode, 429);
    assert.equal(((await first.body.json()) as Json).code, 'user_too_many_concurrent_downloads');
    assert.equal((await drain(zip.download_url)).broken, false);
  });

  it('rateLimit: the next N API requests answer 429 with retry-after and the rate_limit_exceeded body', async () => {
    fx.emulator.faults.rateLimit = { remaining: 2, retryAfterSeconds: 3 };
    for (let i = 0; i < 2; i++) {
      const res = await fx.get('/2.0/users/me');
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '3');
      const body = (await res.json()) as Json;
      assert.equal(body.code, 'rate_limit_exceeded');
      assert.equal(body.message, 'Request rate limit exceeded, please try again later');
    }
    assert.equal((await fx.get('/2.0/users/me')).status, 200);
    assert.equal(fx.emulator.faults.rateLimit.remaining, 0);
  });

  it('rateLimit with pathPrefix only hits matching paths', async () => {
    fx.emulator.faults.rateLimit = { remaining: 1, pathPrefix: '/2.0/folders' };
    assert.equal((await fx.get('/2.0/users/me')).status, 200);
    assert.equal((await fx.get('/2.0/folders/0')).status, 429);
    assert.equal((await fx.get('/2.0/folders/0')).status, 200);
  });

  it('serverErrors: 500, 502 and 503 (with optional Retry-After) as ClientErrors', async () => {
    for (const [status, code] of [
      [500, 'internal_server_error'],
      [502, 'bad_gateway'],
      [503, 'unavailable'],
    ] as const) {
      fx.emulator.faults.serverErrors = { remaining: 1, status, retryAfterSeconds: 2 };
      const res = await fx.get('/2.0/folders/0/items');
      assert.equal(res.status, status);
      assert.equal(((await res.json()) as Json).code, code);
      assert.equal(res.headers.get('retry-after'), status === 503 ? '2' : null);
      assert.equal((await fx.get('/2.0/folders/0/items')).status, 200);
    }
  });

  it('faults leave OAuth and the download origin alone by default', async () => {
    const created = await createZip(fx, [project()]);
    fx.emulator.faults.serverErrors = { remaining: 5 };
    const token = await fx.form('/oauth2/token', { grant_type: 'nope' });
    assert.equal(token.status, 400);
    assert.equal((await drain(created.download_url)).broken, false);
    assert.equal(fx.emulator.faults.serverErrors.remaining, 5);
  });

  it('cutAfterBytes + cutDownloads: the first download breaks after N bytes and fails; the retry succeeds', async () => {
    fx.emulator.faults.cutAfterBytes = 5000;
    fx.emulator.faults.cutDownloads = 1;
    const first = await createZip(fx, [project()]);
    const cut = await drain(first.download_url);
    assert.equal(cut.broken, true);
    assert.equal(cut.bytes, 5000);
    assert.equal((await statusOf(fx, first.status_url)).state, 'failed');
    assert.equal(fx.emulator.stats.downloadsCut, 1);

    const second = await createZip(fx, [project()]);
    const whole = await drain(second.download_url);
    assert.equal(whole.broken, false);
    assert.equal((await readZip(whole.buffer)).length, 30);
    assert.equal((await statusOf(fx, second.status_url)).state, 'succeeded');
  });

  it('cutAfterBytes without cutDownloads cuts every download', async () => {
    fx.emulator.faults.cutAfterBytes = 100;
    for (let i = 0; i < 2; i++) {
      const created = await createZip(fx, [project()]);
      assert.deepEqual(await drain(created.download_url).then((r) => [r.broken, r.bytes]), [true, 100]);
    }
  });

  it('bytesPerSecond caps the stream without changing its bytes', async () => {
    fx.emulator.faults.bytesPerSecond = 2_000_000;
    const { buffer } = await downloadZip(fx, [project()]);
    assert.equal((await readZip(buffer)).length, 30);
  });

  it('entryDelayMs slows entries without changing the archive', async () => {
    fx.emulator.faults.entryDelayMs = 2;
    const { buffer } = await downloadZip(fx, [project()]);
    assert.equal((await readZip(buffer)).length, 30);
  });

  it('statusInProgressPolls holds in_progress for N polls after the stream ended', async () => {
    fx.emulator.faults.statusInProgressPolls = 2;
    const { created } = await downloadZip(fx, [project()]);
    const states: unknown[] = [];
    for (let i = 0; i < 4; i++) states.push((await statusOf(fx, created.status_url)).state);
    assert.deepEqual(states, ['in_progress', 'in_progress', 'succeeded', 'succeeded']);
  });

  it('inaccessible: listed, but 404 on GET, 403 on content, skipped from archives', async () => {
    const listing = await fx.getJson<{ entries: Json[] }>(
      `/2.0/folders/${project().id}/items?fields=name,permissions`,
    );
    const victim = listing.entries.find((entry) => entry.type === 'file')!;
    const relPath = `Project/${victim.name as string}`;
    fx.emulator.faults.inaccessible = [relPath];
    const again = await fx.getJson<{ entries: Json[] }>(
      `/2.0/folders/${project().id}/items?fields=name,permissions`,
    );
    const listed = again.entries.find((entry) => entry.id === victim.id)!;
    assert.equal((listed.permissions as Json).can_download, false);
    assert.equal((await fx.get(`/2.0/files/${victim.id as string}`)).status, 404);
    assert.equal((await fx.get(`/2.0/files/${victim.id as string}/content`)).status, 403);
    const { buffer, created } = await downloadZip(fx, [project()]);
    const names = (await readZip(buffer)).map((entry) => entry.name);
    assert.equal(names.length, 29);
    assert.ok(!names.includes(relPath));
    const status = await statusOf(fx, created.status_url);
    assert.deepEqual(
      [status.total_file_count, status.downloaded_file_count, status.skipped_file_count],
      [30, 29, 1],
    );
  });

  it('inaccessible after create: items that lose access before the GET are skipped and counted', async () => {
    const created = await createZip(fx, [project()]);
    const listing = await fx.getJson<{ entries: Json[] }>(`/2.0/folders/${project().id}/items`);
    const subfolder = listing.entries.find((entry) => entry.type === 'folder')!;
    fx.emulator.faults.inaccessible = [`Project/${subfolder.name as string}`];
    const { buffer } = await drain(created.download_url);
    const names = (await readZip(buffer)).map((entry) => entry.name);
    assert.ok(!names.some((name) => name.startsWith(`Project/${subfolder.name as string}/`)));
    const status = await statusOf(fx, created.status_url);
    assert.equal(status.skipped_folder_count, 1);
    assert.equal((status.downloaded_file_count as number) + (status.skipped_file_count as number), 30);
    assert.ok((status.skipped_file_count as number) > 0);
  });

  it('a file deleted while the archive streams breaks the stream and fails the status', async () => {
    const root = await tempDir();
    await makeTree(path.join(root, 'Vanish'), { seed: 4, files: 30, maxDepth: 0, minSize: 10, maxSize: 100 });
    const local = await startFixture(root, { faults: { entryDelayMs: 30 } });
    try {
      const created = await createZip(local, [{ type: 'folder', id: local.emulator.idForPath('Vanish') }]);
      const res = await request(created.download_url);
      // Headers arrived, so the archive was planned; the last entry is far beyond the read-ahead window.
      const lastByBoxOrder = (await fs.readdir(path.join(root, 'Vanish'))).sort(compareNames).at(-1)!;
      await fs.rm(path.join(root, 'Vanish', lastByBoxOrder));
      await assert.rejects(res.body.arrayBuffer());
      assert.equal((await statusOf(local, created.status_url)).state, 'failed');
    } finally {
      await local.close();
    }
  });

  it('fileContentNotReady: 202 with Retry-After, then the 302', async () => {
    fx.emulator.faults.fileContentNotReady = { remaining: 1, retryAfterSeconds: 4 };
    const listing = await fx.getJson<{ entries: Json[] }>(`/2.0/folders/${project().id}/items`);
    const file = listing.entries.find((entry) => entry.type === 'file')!;
    const first = await fx.get(`/2.0/files/${file.id as string}/content`);
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('retry-after'), '4');
    assert.equal((await fx.get(`/2.0/files/${file.id as string}/content`)).status, 302);
  });
});
