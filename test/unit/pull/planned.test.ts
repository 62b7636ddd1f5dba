// The planned path through pull() against the emulator: when it is chosen, what the listing phase reports, how the
// walker meets Box's rate limit, and how items renamed by `name_conflicts` find their paths again.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BoxClient } from '../../../src/core/box/client';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import type { PullProgress } from '../../../src/core/pull/progress';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoxApiError, PullError } from '../../../src/core/errors';
import { closeServer, recordingSleep } from '../box/support';
import { emulatorFixture } from './support';

describe('planned pull (pull() against the emulator)', function () {
  this.timeout(60_000);
  const fixture = emulatorFixture('box-pull-planned-core-', async (root) => {
    await makeTree(path.join(root, 'Tree'), {
      seed: 21,
      files: 40,
      maxDepth: 3,
      minSize: 100,
      maxSize: 3000,
    });
    // Two files named alike in one part: Box renames both at the archive root (name_conflicts).
    await fs.mkdir(path.join(root, 'Dup', 'sub'), { recursive: true });
    await fs.writeFile(path.join(root, 'Dup', 'same.txt'), 'top');
    await fs.writeFile(path.join(root, 'Dup', 'sub', 'same.txt'), 'below');
    for (let i = 0; i < 10; i++) await fs.writeFile(path.join(root, 'Dup', 'sub', `z${i}.txt`), `z${i}`);
  });

  function request(folder: string, extra: Partial<PullRequest> = {}, client?: BoxClient): PullRequest {
    return {
      client: client ?? fixture.client(),
      items: [{ type: 'folder', id: fixture.emulator.idForPath(folder) }],
      destination: fixture.dest(),
      conflictPolicy: 'skip',
      ...extra,
    };
  }

  it('takes the planned path when the folder size says several streams pay off, without a refused ZIP first', async function () {
    const progress: PullProgress[] = [];
    const report = await pull(
      request('Tree', { options: { parallelFromBytes: 1, streams: 3 }, onProgress: (p) => progress.push(p) }),
    );
    assert.ok(report.plan, 'a plan was made');
    assert.ok(report.plan.parts.length >= 3, JSON.stringify(report.plan.parts));
    assert.equal(fixture.emulator.stats.zipCreates, report.plan.parts.length);
    assert.ok(report.plan.streamsUsed > 1);
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Tree'), report.destination), []);
    // The listing phase shows, its folder count only grows, and it reaches every folder listed.
    const listing = progress.filter((p) => p.foldersListed !== undefined && p.phase === 'preparing');
    assert.ok(listing.length > 0);
    const counts = listing.map((p) => p.foldersListed!);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
    );
    assert.equal(Math.max(...progress.map((p) => p.foldersListed ?? 0)), report.plan.foldersListed);
    // Progress adds up across parts: the last download count is every part's bytes.
    assert.equal(Math.max(...progress.map((p) => p.bytesDownloaded)), report.bytesDownloaded);
  });

  it('the small folder of today keeps the fast path: one ZIP, no listing', async function () {
    const report = await pull(request('Tree'));
    assert.equal(report.plan, undefined);
    assert.equal(fixture.emulator.stats.zipCreates, 1);
    assert.equal(
      fixture.emulator.stats.byPath[`GET /2.0/folders/${fixture.emulator.idForPath('Tree')}/items`],
      undefined,
    );
  });

  it("a part cut short and fetched again counts the fresh ZIP's bytes only, as a clean pull does", async function () {
    // One stream: the folder goes whole in one part, the same archive every time.
    const options = { include: ['**'], streams: 1 };
    const clean = await pull(request('Tree', { options }));
    fixture.emulator.faults.cutAfterBytes = Math.floor(clean.bytesDownloaded / 2);
    fixture.emulator.faults.cutDownloads = 1;
    const report = await pull(request('Tree', { options, sleep: async () => undefined }));
    assert.equal(fixture.emulator.stats.downloadsCut, 1);
    assert.equal(report.plan!.zipRequests, 2);
    assert.equal(report.bytesDownloaded, clean.bytesDownloaded);
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Tree'), report.destination), []);
  });

  it('the walker waits as Retry-After says when Box rate-limits the listing', async function () {
    fixture.emulator.faults.rateLimit = { remaining: 2, retryAfterSeconds: 7, pathPrefix: '/2.0/folders/' };
    const waits = recordingSleep();
    const client = new BoxClient({
      baseUrl: fixture.emulator.baseUrl,
      tokenProvider: { getAccessToken: async () => fixture.emulator.token },
      sleep: waits.sleep,
    });
    const report = await pull(request('Tree', { options: { exclude: ['nothing'] } }, client));
    assert.deepEqual(waits.sleeps.filter((ms) => ms === 7000).length, 2);
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Tree'), report.destination), []);
  });

  it('the walker lists no more folders at once than its concurrency, one request a folder', async function () {
    fixture.emulator.faults.latencyMs = 20;
    const report = await pull(request('Tree', { options: { exclude: ['*.tmp'], listConcurrency: 2 } }));
    assert.ok(
      fixture.emulator.stats.listingsInFlightPeak <= 2,
      String(fixture.emulator.stats.listingsInFlightPeak),
    );
    assert.equal(report.plan!.listRequests, report.plan!.foldersListed);
    const itemsRequests = Object.entries(fixture.emulator.stats.byPath)
      .filter(([key]) => key.endsWith('/items'))
      .reduce((sum, [, count]) => sum + count, 0);
    assert.equal(itemsRequests, report.plan!.listRequests);
  });

  it('items Box renamed for name_conflicts go back to the paths the listing gives them', async function () {
    fixture.emulator.faults.maxZipFiles = 5;
    // One stream: parts are packed by Box's limits only, which puts both same.txt in the first part.
    const report = await pull(request('Dup', { options: { streams: 1 } }));
    // Box renamed both in the archive, but each went to its listed path: the user sees no rename to report.
    assert.deepEqual(report.nameConflicts, []);
    assert.equal(await fs.readFile(path.join(report.destination, 'same.txt'), 'utf8'), 'top');
    assert.equal(await fs.readFile(path.join(report.destination, 'sub', 'same.txt'), 'utf8'), 'below');
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Dup'), report.destination), []);
  });

  it('a listing whose folders contain themselves is a clear error, not an endless walk', async function () {
    // A hostile server: folder 7 lists a folder 7 inside it. A safety valve (404 after 50 listings) only keeps a
    // walker without the bound from hanging the test.
    let listings = 0;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/2.0/folders/7')
        return res.end(JSON.stringify({ type: 'folder', id: '7', name: 'Loop', size: 1 }));
      if (url.pathname === '/2.0/folders/7/items' && ++listings < 50) {
        return res.end(
          JSON.stringify({ entries: [{ type: 'folder', id: '7', name: 'Loop' }], next_marker: null }),
        );
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ type: 'error', status: 404, code: 'not_found', message: 'valve' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new BoxClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        tokenProvider: { getAccessToken: async () => 'token' },
      });
      const error = await pull({
        client,
        items: [{ type: 'folder', id: '7' }],
        destination: fixture.dest(),
        conflictPolicy: 'skip',
        options: { exclude: ['*.tmp'] },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof PullError, String(error));
      assert.match(error.message, /came twice \(a cycle\)/);
      assert.ok((error.cause as BoxApiError).code === 'endless_listing');
      assert.equal(listings, 1);
    } finally {
      await closeServer(server);
    }
  });
});
