// The ZIP flow through BoxClient against the real emulator: create (never repeated after a 202), the single-use
// download URL fetched without Authorization, status, stalls, aborts, and a fully logged run that leaks nothing.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ZipDownloadStatus } from '../../../src/core/box/types';
import {
  capturingLogger,
  makeClient,
  readAll,
  recordingSleep,
  requestsTo,
  resetFaults,
  SMALL_FOLDER_FILES,
  startTestBox,
  type TestBox,
} from './support';
import { ManualClock } from '../../helpers/clock';
import { BoxApiError, BoxNetworkError } from '../../../src/core/errors';

const CREATE = 'POST /2.0/zip_downloads';
const CONTENT = 'GET /2.0/zip_downloads/:id/content';

interface SentRequest {
  origin: string;
  path: string;
  headers: string;
}

/** Records the raw request headers undici writes to the socket (its diagnostics channel), for wire-level checks. */
function recordSentHeaders(): { sent: SentRequest[]; stop(): void } {
  const sent: SentRequest[] = [];
  const listener = (message: unknown) => {
    const { request, headers } = message as { request: { origin: string; path: string }; headers: string };
    sent.push({ origin: String(request.origin), path: request.path, headers });
  };
  subscribe('undici:client:sendHeaders', listener);
  return { sent, stop: () => unsubscribe('undici:client:sendHeaders', listener) };
}

describe('BoxClient ZIP downloads against the emulator', function () {
  this.timeout(60_000);
  let box: TestBox;
  /** The emulator's time (ZIP lifetimes, entry delays): it moves only when a test moves it. */
  const clock = new ManualClock();

  before(async () => {
    box = await startTestBox({ clock });
  });
  after(async () => {
    await box?.cleanup();
  });
  afterEach(() => resetFaults(box.emulator));

  const smallFolder = () => ({ items: [{ type: 'folder' as const, id: box.smallFolderId }] });

  async function pollUntilDone(statusUrl: string): Promise<ZipDownloadStatus> {
    const client = makeClient(box);
    for (let poll = 0; poll < 50; poll++) {
      const status = await client.getZipDownloadStatus(statusUrl);
      if (status.state !== 'in_progress') {
        return status;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail('the ZIP status stayed in_progress');
  }

  it('creates a ZIP once, downloads it without Authorization, and reads its status', async () => {
    const client = makeClient(box);
    const creates = box.emulator.stats.zipCreates;
    const zip = await client.createZipDownload({ ...smallFolder(), downloadFileName: 'my files' });
    assert.equal(box.emulator.stats.zipCreates - creates, 1);
    assert.deepEqual(zip.name_conflicts, []);
    assert.ok(zip.download_url.startsWith(box.emulator.downloadOrigin));
    assert.match(zip.expires_at, /Z$/);

    await assert.rejects(client.getZipDownloadStatus(zip.status_url), { name: 'BoxApiError', status: 404 });

    const recorder = recordSentHeaders();
    let content;
    try {
      content = await client.openZipDownloadContent(zip.download_url);
    } finally {
      recorder.stop();
    }
    const toDownload = recorder.sent.filter((request) => request.origin === box.emulator.downloadOrigin);
    assert.equal(toDownload.length, 1);
    assert.doesNotMatch(toDownload[0].headers, /authorization/i);
    assert.doesNotMatch(toDownload[0].headers, new RegExp(box.emulator.token));

    const bytes = await readAll(content.body);
    assert.equal(bytes.readUInt32LE(0), 0x04034b50, 'starts with a local file header');
    assert.equal(bytes.readUInt32LE(bytes.length - 22), 0x06054b50, 'ends with an end of central directory');

    const status = await pollUntilDone(zip.status_url);
    assert.equal(status.state, 'succeeded');
    assert.equal(status.total_file_count, SMALL_FOLDER_FILES);
    assert.equal(status.downloaded_file_count, SMALL_FOLDER_FILES);
  });

  it('the download URL is single use: a second GET is a 404 and is not retried', async () => {
    const { sleeps, sleep } = recordingSleep();
    const client = makeClient(box, { sleep });
    const zip = await client.createZipDownload(smallFolder());
    const first = await client.openZipDownloadContent(zip.download_url);
    await readAll(first.body);
    const before = requestsTo(box.emulator, CONTENT);
    const error = await client.openZipDownloadContent(zip.download_url).then(
      () => assert.fail('expected a 404'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof BoxApiError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'not_found');
    assert.ok(!error.message.includes(zip.download_url));
    assert.match(error.message, /zip_downloads\/\[redacted\]\/content/);
    assert.equal(requestsTo(box.emulator, CONTENT) - before, 1);
    assert.deepEqual(sleeps, []);
  });

  it('a 429 on the download (too many concurrent downloads) is reported, not retried', async () => {
    const { sleeps, sleep } = recordingSleep();
    const client = makeClient(box, { sleep });
    const zip = await client.createZipDownload(smallFolder());
    box.emulator.faults.maxConcurrentDownloads = 0;
    await assert.rejects(client.openZipDownloadContent(zip.download_url), {
      status: 429,
      code: 'user_too_many_concurrent_downloads',
    });
    assert.deepEqual(sleeps, []);
  });

  it('retries a create refused with 429 or 5xx, and never repeats a 202', async () => {
    const { sleeps, sleep } = recordingSleep();
    const client = makeClient(box, { sleep });
    const creates = box.emulator.stats.zipCreates;
    const posts = requestsTo(box.emulator, CREATE);
    box.emulator.faults.rateLimit = { remaining: 1, retryAfterSeconds: 2, pathPrefix: '/2.0/zip_downloads' };
    box.emulator.faults.serverErrors = { remaining: 1, status: 503, pathPrefix: '/2.0/zip_downloads' };
    const zip = await client.createZipDownload(smallFolder());
    assert.ok(zip.download_url);
    assert.equal(requestsTo(box.emulator, CREATE) - posts, 3);
    assert.equal(box.emulator.stats.zipCreates - creates, 1);
    assert.deepEqual(sleeps, [2000, 1000]);
  });

  it('a stalled download body errors out after the idle timeout; the emulator drops the delayed entry', async function () {
    // If the emulator kept the delayed entry, the wait below would never end: fail in seconds, not a minute.
    this.timeout(10_000);
    const client = makeClient(box, { idleTimeoutMs: 250 });
    const zip = await client.createZipDownload(smallFolder());
    // The first entry waits for the emulator's clock, which only this test moves: the body stalls for good.
    const entryDelayMs = 1000;
    box.emulator.faults.entryDelayMs = entryDelayMs;
    const content = await client.openZipDownloadContent(zip.download_url);
    assert.equal(clock.sleeping, 1, 'the emulator waits before the first entry');
    await assert.rejects(readAll(content.body), (err: unknown) => {
      assert.ok(err instanceof BoxNetworkError);
      assert.equal(err.code, 'timeout');
      assert.equal(err.errorCode, 'UND_ERR_BODY_TIMEOUT');
      assert.ok(!err.message.includes(zip.download_url));
      return true;
    });
    // When the client leaves, the emulator cancels the entry's wait: nothing of the download runs afterwards (a
    // wait that outlived the download once opened the entry after the test tree was gone: an ENOENT).
    await clock.whenSleeping(0);
    clock.advance(entryDelayMs);
    const status = await makeClient(box).getZipDownloadStatus(zip.status_url);
    assert.equal(status.state, 'failed');
    assert.equal(status.downloaded_file_count, 0);
  });

  it('an abort while the body streams errors the stream with the abort reason', async () => {
    const client = makeClient(box);
    const zip = await client.createZipDownload(smallFolder());
    box.emulator.faults.bytesPerSecond = 2000;
    const controller = new AbortController();
    const content = await client.openZipDownloadContent(zip.download_url, { signal: controller.signal });
    const reason = new Error('user cancelled');
    content.body.once('data', () => controller.abort(reason));
    await assert.rejects(readAll(content.body), (err) => err === reason);
  });

  it('refuses to send the token to a status URL on a foreign host', async () => {
    const before = box.emulator.stats.requests;
    await assert.rejects(
      makeClient(box).getZipDownloadStatus('http://example.invalid/2.0/zip_downloads/abc/status'),
      /Refusing to send the Box token/,
    );
    assert.equal(box.emulator.stats.requests, before);
  });

  it('a fully logged run never shows the token or the ZIP URLs', async () => {
    const logger = capturingLogger();
    const { sleep } = recordingSleep();
    const client = makeClient(box, { logger, sleep });
    const errors: string[] = [];
    box.emulator.faults.rateLimit = { remaining: 1, retryAfterSeconds: 1 };
    for await (const item of client.iterateFolderItems(box.smallFolderId)) {
      assert.ok(item.id);
    }
    const zip = await client.createZipDownload(smallFolder());
    await client.getZipDownloadStatus(zip.status_url).catch((err: Error) => errors.push(err.message));
    const content = await client.openZipDownloadContent(zip.download_url);
    await readAll(content.body);
    await pollUntilDone(zip.status_url);
    await client.openZipDownloadContent(zip.download_url).catch((err: Error) => errors.push(err.message));
    await client.getFolder('999999999').catch((err: Error) => errors.push(err.message));

    const zipId = /zip_downloads\/([^/]+)\/content/.exec(zip.download_url)![1];
    const everything = [...logger.lines, ...errors].join('\n');
    assert.ok(logger.lines.length >= 8, everything);
    assert.equal(errors.length, 3);
    for (const secret of [box.emulator.token, zip.download_url, zip.status_url, zipId]) {
      assert.ok(!everything.includes(secret), `leaked ${secret.slice(0, 4)}…:\n${everything}`);
    }
    assert.match(everything, /POST \/2\.0\/zip_downloads → 202/);
    assert.match(
      everything,
      /GET http:\/\/127\.0\.0\.1:\d+\/2\.0\/zip_downloads\/\[redacted\]\/content → 200/,
    );
    assert.match(everything, /Retrying GET \/2\.0\/folders\/\d+\/items/);
  });
});
