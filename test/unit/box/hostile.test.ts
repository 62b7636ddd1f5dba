// Servers that answer 200 and never stop: bodies with no end, bodies far larger than their endpoint can need, and
// folder listings whose pages keep promising more. The emulator is a faithful Box and does none of this, so a small
// node:http server plays the hostile part. Each endless answer has a safety valve (the server gives up after a
// while) only so that a client without limits fails the test instead of hanging it.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoxClient, MAX_BODY_BYTES } from '../../../src/core/box/client';
import { BoxApiError } from '../../../src/core/errors';
import { closeServer, recordingSleep, staticTokens } from './support';

const MB = 1024 * 1024;
/** An endless body stops here, so a client that reads on forever meets a reset rather than a hung test. */
const VALVE_BYTES = 64 * MB;
/** Requests to one listing before the server stops paging (404), for the same reason. */
const VALVE_PAGES = 100;
/** Bytes that can sit in socket buffers and undici between the server's writes and the client's reads. */
const IN_FLIGHT_BYTES = 16 * MB;

interface Hostile {
  baseUrl: string;
  hits: Record<string, number>;
  /** Body bytes the server managed to write, per route; backpressure keeps it near what the client read. */
  written: Record<string, number>;
  close(): Promise<void>;
}

async function startHostileServer(): Promise<Hostile> {
  const hits: Record<string, number> = {};
  const written: Record<string, number> = {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = url.pathname;
    hits[key] = (hits[key] ?? 0) + 1;
    const page = hits[key];
    const stream = (head: string, filler: string, headers: Record<string, string> = {}) =>
      void streamBody(res, head, filler, headers, (n) => (written[key] = (written[key] ?? 0) + n));
    switch (key) {
      case '/2.0/folders/endless/items':
        return stream('{"entries":[', '{"type":"file","id":"1","name":"a.txt"},'.repeat(1024));
      case '/2.0/zip_downloads/endless/status':
        return stream('{"state":"in_progress","padding":"', 'x'.repeat(64 * 1024));
      case '/2.0/folders/declared/items':
        // 300 MB announced up front, sent only as fast as the client reads.
        return stream('{"entries":[', ' '.repeat(64 * 1024), { 'content-length': String(300 * MB) });
      case '/2.0/folders/over/items': {
        const body = listingJustOver(MAX_BODY_BYTES.page);
        res.writeHead(200, { 'content-type': 'application/json' });
        written[key] = body.length;
        return res.end(body);
      }
      case '/2.0/folders/empty/items':
        return page > VALVE_PAGES
          ? notFound(res)
          : json(res, { limit: 1000, entries: [], next_marker: `marker-${page}` });
      case '/2.0/folders/counted/items':
        return page > VALVE_PAGES
          ? notFound(res)
          : json(res, {
              total_count: 2,
              limit: 1000,
              entries: [{ type: 'file', id: String(page), name: `${page}.txt` }],
              next_marker: `marker-${page}`,
            });
      case '/2.0/folders/null/items':
        return json(res, null);
      case '/2.0/folders/uncounted/items':
        // One item a page and always more: only the client's own page ceiling (1,000) ends it.
        return page > 10 * VALVE_PAGES + 10
          ? notFound(res)
          : json(res, {
              limit: 1000,
              entries: [{ type: 'file', id: String(page), name: `${page}.txt` }],
              next_marker: `marker-${page}`,
            });
      default:
        return notFound(res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    written,
    close: () => closeServer(server),
  };
}

/** Writes `head`, then `filler` again and again as fast as the client reads, until it goes away or the valve. */
async function streamBody(
  res: ServerResponse,
  head: string,
  filler: string,
  headers: Record<string, string>,
  count: (bytes: number) => void,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.from(filler);
  let sent = 0;
  let closed = false;
  res.on('close', () => (closed = true));
  res.write(head);
  while (!closed && sent < VALVE_BYTES) {
    sent += chunk.length;
    count(chunk.length);
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.destroy();
}

/** A well-formed page of files whose JSON is a few bytes longer than `limit`. */
function listingJustOver(limit: number): Buffer {
  const entry = JSON.stringify({ type: 'file', id: '1', name: 'a.txt' });
  const entries: string[] = [];
  let size = '{"entries":[]}'.length;
  while (size <= limit) {
    entries.push(entry);
    size += entry.length + 1;
  }
  return Buffer.from(`{"entries":[${entries.join(',')}]}`);
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-length': '0' });
  res.end();
}

describe('BoxClient against a hostile server', function () {
  this.timeout(60_000);
  let hostile: Hostile;
  let sleeps: number[];
  let client: BoxClient;

  before(async () => {
    hostile = await startHostileServer();
  });
  after(async () => {
    await hostile?.close();
  });
  beforeEach(() => {
    const recording = recordingSleep();
    sleeps = recording.sleeps;
    client = new BoxClient({
      baseUrl: hostile.baseUrl,
      tokenProvider: staticTokens('token-for-the-hostile-server'),
      retry: { random: () => 0.5 },
      sleep: recording.sleep,
    });
  });

  async function listAll(folderId: string): Promise<number> {
    let items = 0;
    for await (const _item of client.iterateFolderItems(folderId)) items += 1;
    return items;
  }

  function tooLarge(limit: string) {
    return (err: unknown) => {
      assert.ok(err instanceof BoxApiError, String(err));
      assert.equal(err.code, 'response_too_large');
      assert.match(err.message, new RegExp(`larger than ${limit}`));
      assert.doesNotMatch(err.message, /\n/);
      return true;
    };
  }

  describe('success bodies are read no further than their endpoint needs', () => {
    it('a listing page that never ends fails once, near the 16 MB cap, and is not retried', async () => {
      const route = '/2.0/folders/endless/items';
      await assert.rejects(listAll('endless'), tooLarge('16 MB'));
      assert.equal(hostile.hits[route], 1);
      assert.deepEqual(sleeps, []);
      assert.ok(hostile.written[route] < MAX_BODY_BYTES.page + IN_FLIGHT_BYTES, `${hostile.written[route]}`);
    });

    it('a ZIP status that never ends fails near its 1 MB cap, not retried', async () => {
      const route = '/2.0/zip_downloads/endless/status';
      await assert.rejects(client.getZipDownloadStatus(`${hostile.baseUrl}${route}`), tooLarge('1 MB'));
      assert.equal(hostile.hits[route], 1);
      assert.deepEqual(sleeps, []);
      assert.ok(
        hostile.written[route] < MAX_BODY_BYTES.zipStatus + IN_FLIGHT_BYTES,
        `${hostile.written[route]}`,
      );
    });

    it('a body declared at 300 MB is refused from its headers', async () => {
      const route = '/2.0/folders/declared/items';
      await assert.rejects(client.listFolderItems('declared'), tooLarge('16 MB'));
      assert.equal(hostile.hits[route], 1);
      assert.ok(hostile.written[route] < IN_FLIGHT_BYTES, `${hostile.written[route]}`);
    });

    it('a well-formed page just over the cap is refused too', async () => {
      await assert.rejects(client.listFolderItems('over'), tooLarge('16 MB'));
      assert.equal(hostile.hits['/2.0/folders/over/items'], 1);
    });
  });

  describe('a listing whose pages never end', () => {
    it('a page that is not a page (JSON null) is invalid_response, not retried', async () => {
      await assert.rejects(listAll('null'), {
        name: 'BoxApiError',
        code: 'invalid_response',
        message:
          'Box answered 200 invalid_response for GET /2.0/folders/null/items: the page has no list of entries',
      });
      assert.equal(hostile.hits['/2.0/folders/null/items'], 1);
    });

    it('stops after 3 empty pages that each carry a fresh marker', async () => {
      await assert.rejects(listAll('empty'), (err: unknown) => {
        assert.ok(err instanceof BoxApiError, String(err));
        assert.equal(err.code, 'endless_listing');
        assert.equal(
          err.message,
          'Box answered 200 endless_listing for GET /2.0/folders/empty/items:' +
            ' 3 empty pages in a row each promised more (next_marker)',
        );
        return true;
      });
      assert.equal(hostile.hits['/2.0/folders/empty/items'], 3);
      assert.deepEqual(sleeps, []);
    });

    it('stops within a few pages of what total_count allows', async () => {
      await assert.rejects(listAll('counted'), (err: unknown) => {
        assert.ok(err instanceof BoxApiError, String(err));
        assert.equal(err.code, 'endless_listing');
        assert.match(err.message, /for a folder of 2 items \(total_count\)$/);
        return true;
      });
      assert.equal(hostile.hits['/2.0/folders/counted/items'], 3);
    });

    it('stops at a ceiling of 1,000 pages when Box gives no total_count', async () => {
      await assert.rejects(listAll('uncounted'), {
        name: 'BoxApiError',
        code: 'endless_listing',
        message:
          'Box answered 200 endless_listing for GET /2.0/folders/uncounted/items: the listing went past 1000 pages',
      });
      assert.equal(hostile.hits['/2.0/folders/uncounted/items'], 1000);
    });
  });
});
