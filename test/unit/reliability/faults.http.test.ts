// The pull pipeline against a misbehaving Box: rate limits, server errors, cut and stalled streams, expired
// download URLs, skipped files and revoked access. Every test ends with the same promise: the destination holds
// either the complete folder or exactly what it held before, no temp file is left, and a retry works.
// (A status stuck at in_progress is covered by test/unit/pull/pull.test.ts.)
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pull, type PullReport } from '../../../src/core/pull/pull';
import { readTree, type TreeListing } from '../../helpers/compareTrees';
import {
  assertPulled,
  assertUnchanged,
  capturingLogger,
  countRequests,
  FOLDER,
  listing,
  makeClient,
  plantUserFiles,
  pullRequest,
  RecordedSleep,
  resetFaults,
  sourceFiles,
  startFixture,
  type Fixture,
} from './support';
import { PullError } from '../../../src/core/errors';

describe('reliability: pull under HTTP faults', function () {
  let fixture: Fixture;
  /** The account as the suite made it: no pull may write into it. */
  let account: TreeListing;
  /** Destinations handed out since the last test ended. */
  const handedOut: string[] = [];
  /** Each destination as the test that used it left it (undefined: absent), for the check at the end. */
  const leftBy = new Map<string, TreeListing | undefined>();

  before(async function () {
    fixture = await startFixture({ seed: 21 });
    account = await readTree(fixture.root);
    const fresh = fixture.freshDestination;
    fixture.freshDestination = () => {
      const destination = fresh();
      handedOut.push(destination);
      return destination;
    };
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(async function () {
    resetFaults(fixture);
    for (const destination of handedOut.splice(0)) leftBy.set(destination, await listing(destination));
  });

  async function expectPullError(promise: Promise<PullReport>, kind: PullError['code']): Promise<PullError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof PullError, `expected a PullError, got ${String(error)}`);
      assert.equal(error.code, kind, error.message);
      assert.equal(error.message.split('\n').length, 1, 'one line a person can read');
      return error;
    }
    assert.fail(`expected PullError ${kind}`);
  }

  /** A destination with a user file that must survive whatever happens. */
  async function destinationWithUserFiles(): Promise<{ destination: string; user: Map<string, Buffer> }> {
    const destination = fixture.freshDestination();
    const [first] = await sourceFiles(fixture);
    const user = await plantUserFiles(destination, { 'notes-of-mine.txt': 'mine', [first]: 'my own edit' });
    return { destination, user };
  }

  describe('429 rate limiting', function () {
    it('honours every Retry-After and then completes', async function () {
      const recorder = new RecordedSleep();
      fixture.emulator.faults.rateLimit = { remaining: 3, retryAfterSeconds: 4 };
      const { destination, user } = await destinationWithUserFiles();
      const report = await pull(pullRequest(fixture, makeClient(fixture, { recorder }), destination));
      assert.deepEqual(recorder.delays, [4000, 4000, 4000]);
      assert.equal(report.attempts, 1);
      await assertPulled(fixture, destination, user);
    });

    it('a storm on the ZIP create is retried by the client, and only one ZIP is made', async function () {
      const recorder = new RecordedSleep();
      fixture.emulator.faults.rateLimit = {
        remaining: 2,
        retryAfterSeconds: 30,
        pathPrefix: '/2.0/zip_downloads',
      };
      const creates = fixture.emulator.stats.zipCreates;
      const destination = fixture.freshDestination();
      await pull(pullRequest(fixture, makeClient(fixture, { recorder }), destination));
      assert.deepEqual(recorder.delays, [30_000, 30_000]);
      assert.equal(fixture.emulator.stats.zipCreates - creates, 1);
      await assertPulled(fixture, destination);
    });

    it('a storm that never ends gives up after the bounded attempts, with a clear message', async function () {
      const recorder = new RecordedSleep();
      fixture.emulator.faults.rateLimit = { remaining: 10_000, retryAfterSeconds: 7 };
      const destination = fixture.freshDestination();
      const before = countRequests(fixture, `GET /2.0/folders/${fixture.folderId}`);
      const error = await expectPullError(
        pull(pullRequest(fixture, makeClient(fixture, { recorder }), destination)),
        'download_failed',
      );
      assert.match(error.message, /429 rate_limit_exceeded/);
      assert.match(error.message, /gave up after 5 attempts/);
      assert.deepEqual(recorder.delays, [7000, 7000, 7000, 7000]);
      assert.equal(countRequests(fixture, `GET /2.0/folders/${fixture.folderId}`) - before, 5);
      await assertUnchanged(destination, undefined, 'rate limited');
    });

    it('a never-ending storm on the ZIP create is not multiplied by fresh ZIP attempts', async function () {
      const recorder = new RecordedSleep();
      fixture.emulator.faults.rateLimit = {
        remaining: 10_000,
        retryAfterSeconds: 60,
        pathPrefix: '/2.0/zip_downloads',
      };
      const { destination, user } = await destinationWithUserFiles();
      const before = await listing(destination);
      const creates = countRequests(fixture, 'POST /2.0/zip_downloads');
      const error = await expectPullError(
        pull(pullRequest(fixture, makeClient(fixture, { recorder }), destination)),
        'download_failed',
      );
      assert.match(error.message, /429/);
      // The client already waited 4 × 60 s; three more rounds of that would keep the user waiting 12 minutes.
      assert.equal(countRequests(fixture, 'POST /2.0/zip_downloads') - creates, 5);
      assert.equal(recorder.delays.length, 4);
      await assertUnchanged(destination, before, 'rate limited create');
      resetFaults(fixture);
      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });
  });

  describe('5xx answers', function () {
    for (const status of [500, 502, 503] as const) {
      it(`${status} on the listing, the ZIP create and the status are retried; the pull completes`, async function () {
        for (const pathPrefix of [
          `/2.0/folders/${fixture.folderId}`,
          '/2.0/zip_downloads',
          '/2.0/zip_downloads/',
        ]) {
          const recorder = new RecordedSleep();
          fixture.emulator.faults.serverErrors = {
            remaining: 2,
            status,
            pathPrefix,
            ...(status === 503 ? { retryAfterSeconds: 3 } : {}),
          };
          const destination = fixture.freshDestination();
          const report = await pull(pullRequest(fixture, makeClient(fixture, { recorder }), destination));
          assert.equal(fixture.emulator.faults.serverErrors.remaining, 0, `${pathPrefix}: both faults fired`);
          // Full jitter with the random draw fixed at 0.5: half of 1 s, then half of 2 s. The status URL is read
          // by two callers (early, in the background, and after the stream), so there the order may differ.
          const expected = status === 503 ? [3000, 3000] : [500, 1000];
          if (pathPrefix.endsWith('/')) {
            assert.equal(recorder.delays.length, 2, pathPrefix);
            assert.ok(
              recorder.delays.every((delay) => expected.includes(delay)),
              pathPrefix,
            );
          } else {
            assert.deepEqual(recorder.delays, expected, pathPrefix);
          }
          assert.equal(report.attempts, 1);
          await assertPulled(fixture, destination);
        }
      });
    }

    it('a server that keeps failing: bounded attempts and a clear message, nothing left', async function () {
      fixture.emulator.faults.serverErrors = {
        remaining: 10_000,
        status: 502,
        pathPrefix: '/2.0/zip_downloads',
      };
      const { destination, user } = await destinationWithUserFiles();
      const before = await listing(destination);
      const error = await expectPullError(
        pull(pullRequest(fixture, makeClient(fixture), destination)),
        'download_failed',
      );
      assert.match(error.message, /502 bad_gateway/);
      assert.match(error.message, /gave up after 5 attempts/);
      await assertUnchanged(destination, before, 'bad gateway');
      resetFaults(fixture);
      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });

    it('a status endpoint that never answers does not fail a complete archive', async function () {
      fixture.emulator.faults.serverErrors = {
        remaining: 10_000,
        status: 500,
        pathPrefix: '/2.0/zip_downloads/',
      };
      const { logger, lines } = capturingLogger();
      const destination = fixture.freshDestination();
      const report = await pull(pullRequest(fixture, makeClient(fixture), destination, { logger }));
      assert.equal(report.boxState, 'unknown');
      assert.ok(lines.some((line) => line.level === 'warn' && /ZIP status/.test(line.text)));
      await assertPulled(fixture, destination);
    });
  });

  describe('broken streams', function () {
    let archiveBytes = 0;

    before(async function () {
      const report = await pull(pullRequest(fixture, makeClient(fixture), fixture.freshDestination()));
      archiveBytes = report.bytesDownloaded;
      assert.ok(archiveBytes > 10_000);
    });

    it('a connection reset at any point (first byte, a header, the middle, the end record) starts over cleanly', async function () {
      for (const cutAt of [0, 1, 29, Math.floor(archiveBytes / 2), archiveBytes - 10]) {
        fixture.emulator.faults.cutAfterBytes = cutAt;
        fixture.emulator.faults.cutDownloads = 1;
        const cuts = fixture.emulator.stats.downloadsCut;
        const { destination, user } = await destinationWithUserFiles();
        const pauses = new RecordedSleep();
        const report = await pull(
          pullRequest(fixture, makeClient(fixture), destination, { sleep: pauses.sleep }),
        );
        assert.deepEqual(pauses.delays, [1000], 'one pause before the fresh ZIP');
        // Every cut happens, the one inside the end record too (the emulator ignores its stream's end once a cut
        // is decided), so each attempt count below is the pipeline's answer to a real cut.
        assert.equal(fixture.emulator.stats.downloadsCut - cuts, 1, `cut at ${cutAt}`);
        assert.equal(report.attempts, 2, `cut at ${cutAt}`);
        await assertPulled(fixture, destination, user);
      }
    });

    it('a stream that stalls mid-way trips the idle timeout; a fresh ZIP completes', async function () {
      fixture.emulator.faults.bytesPerSecond = 400_000;
      let stalled = false;
      const { logger } = capturingLogger((warning) => {
        if (/attempt 1 of 3 failed/i.test(warning) && /timeout/i.test(warning)) {
          fixture.emulator.faults.bytesPerSecond = undefined;
        }
      });
      const { destination, user } = await destinationWithUserFiles();
      const report = await pull(
        pullRequest(fixture, makeClient(fixture, { idleTimeoutMs: 400 }), destination, {
          logger,
          onProgress: (progress) => {
            // Once bytes flow, slow the server to a trickle of one byte a second.
            if (!stalled && progress.phase === 'downloading' && progress.bytesDownloaded > 0) {
              stalled = true;
              fixture.emulator.faults.bytesPerSecond = 1;
            }
          },
        }),
      );
      assert.ok(stalled);
      assert.equal(report.attempts, 2);
      await assertPulled(fixture, destination, user);
    });

    it('a stream that stalls every time gives up with a clear message and leaves nothing', async function () {
      fixture.emulator.faults.entryDelayMs = 5_000;
      const { destination, user } = await destinationWithUserFiles();
      const before = await listing(destination);
      const error = await expectPullError(
        pull(
          pullRequest(fixture, makeClient(fixture, { idleTimeoutMs: 300 }), destination, { maxAttempts: 2 }),
        ),
        'download_failed',
      );
      assert.match(error.message, /timeout/i);
      await assertUnchanged(destination, before, 'stalled');
      resetFaults(fixture);
      await pull(pullRequest(fixture, makeClient(fixture), destination));
      await assertPulled(fixture, destination, user);
    });
  });

  describe('download URLs', function () {
    it('an expired download URL is replaced by a fresh ZIP', async function () {
      fixture.emulator.faults.zipUrlTtlSeconds = 0;
      const { logger } = capturingLogger((warning) => {
        if (/attempt 1 of 3 failed/i.test(warning)) fixture.emulator.faults.zipUrlTtlSeconds = 60;
      });
      const destination = fixture.freshDestination();
      const report = await pull(pullRequest(fixture, makeClient(fixture), destination, { logger }));
      assert.equal(report.attempts, 2);
      assert.ok(fixture.requestLog.includes('GET /2.0/zip_downloads/:id/content 404'));
      await assertPulled(fixture, destination);
    });

    it('download URLs that are always expired: a message that says so, not "not found"', async function () {
      fixture.emulator.faults.zipUrlTtlSeconds = 0;
      const destination = fixture.freshDestination();
      const error = await expectPullError(
        pull(pullRequest(fixture, makeClient(fixture), destination, { maxAttempts: 2 })),
        'download_failed',
      );
      assert.match(error.message, /expired|already used/i);
      await assertUnchanged(destination, undefined, 'expired URL');
    });

    it('too many concurrent downloads (429 on the download URL) starts over, then completes', async function () {
      fixture.emulator.faults.maxConcurrentDownloads = 0;
      const { logger } = capturingLogger((warning) => {
        if (/attempt 1 of 3 failed/i.test(warning)) fixture.emulator.faults.maxConcurrentDownloads = 5;
      });
      const destination = fixture.freshDestination();
      const report = await pull(pullRequest(fixture, makeClient(fixture), destination, { logger }));
      assert.equal(report.attempts, 2);
      await assertPulled(fixture, destination);
    });
  });

  describe('what Box leaves out or refuses', function () {
    it('files and folders Box skips are reported; everything else arrives', async function () {
      const files = await sourceFiles(fixture);
      const nested = files.find((name) => name.includes('/'));
      assert.ok(nested, 'the tree has a subfolder');
      const hiddenFolder = nested.slice(0, nested.indexOf('/'));
      const hiddenFile = files.find((name) => !name.startsWith(`${hiddenFolder}/`) && name !== nested)!;
      fixture.emulator.faults.inaccessible = [`${FOLDER}/${hiddenFolder}`, `${FOLDER}/${hiddenFile}`];
      const destination = fixture.freshDestination();
      const report = await pull(pullRequest(fixture, makeClient(fixture), destination));
      assert.equal(report.foldersSkippedByBox, 1);
      assert.ok(report.filesSkippedByBox >= 1);
      const expected = files.filter((name) => !name.startsWith(`${hiddenFolder}/`) && name !== hiddenFile);
      const got = await listing(destination);
      assert.deepEqual([...got!.files.keys()].sort(), expected);
      assert.equal(report.filesWritten, expected.length);
    });

    it('access revoked between listing and the ZIP request: access_denied, no fresh ZIP, nothing created', async function () {
      fixture.onRequest = (line) => {
        if (line === `GET /2.0/folders/${fixture.folderId} 200`)
          fixture.emulator.faults.inaccessible = [FOLDER];
      };
      const creates = countRequests(fixture, 'POST /2.0/zip_downloads');
      const destination = fixture.freshDestination();
      const error = await expectPullError(
        pull(pullRequest(fixture, makeClient(fixture), destination)),
        'access_denied',
      );
      assert.match(error.message, /403/);
      assert.equal(countRequests(fixture, 'POST /2.0/zip_downloads') - creates, 1);
      await assertUnchanged(destination, undefined, 'access denied');
    });
  });

  // Mocha runs a suite's own tests before its nested suites, so the check has a suite of its own, declared last.
  describe('after every test above', function () {
    it('leaves the account unchanged and each destination exactly as its test left it, and nothing else', async function () {
      const present = [...leftBy].filter(([, left]) => left !== undefined);
      assert.ok(present.length >= 10, `only ${present.length} destinations: did the tests above run?`);
      const expected = ['account', ...present.map(([destination]) => path.basename(destination))];
      assert.deepEqual((await fs.readdir(fixture.sandbox)).sort(), expected.sort());
      // Also finds temporary files anywhere in the sandbox, and a pull still writing after its test ended.
      await assertUnchanged(fixture.root, account, 'the account');
      for (const [destination, left] of leftBy) {
        await assertUnchanged(destination, left, path.basename(destination));
      }
    });
  });
});
