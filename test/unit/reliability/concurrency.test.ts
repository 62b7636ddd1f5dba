// Pulls racing each other: into the same destination (same folder or two folders with the same names), one of
// them cancelled, Box refusing a second concurrent download, and two pulls sharing one expiring sign-in. Either
// both work or one fails with a clear message; never a half-written, mixed or foreign file.
// Two TokenManagers (two windows) refreshing the same stored token at once are covered by
// test/unit/auth/tokenManager.test.ts ("two windows sharing one store refresh at once ...").
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import { TokenManager } from '../../../src/core/auth/tokenManager';
import type { ConflictPolicy } from '../../../src/core/place/conflictPolicy';
import { pull, type PullReport } from '../../../src/core/pull/pull';
import { readTree } from '../../helpers/compareTrees';
import { EMULATOR_APP, fakeBrowser, MemoryTokenStore } from '../auth/helpers';
import {
  assertPulled,
  countRequests,
  makeClient,
  plantUserFiles,
  pullRequest,
  resetFaults,
  sourceFiles,
  startFixture,
  temporaryLeftovers,
  type Fixture,
} from './support';
import { PullError } from '../../../src/core/errors';

/** A failure must be a PullError (or a cancel) with one readable line; anything else is a bug. */
function assertClearFailure(result: PromiseSettledResult<PullReport>, what: string): void {
  if (result.status === 'fulfilled') return;
  const error = result.reason as Error;
  if (error.name === 'AbortError') return;
  assert.ok(error instanceof PullError, `${what}: not a PullError: ${String(error)}`);
  assert.equal(error.message.split('\n').length, 1, what);
}

describe('reliability: concurrent pulls', function () {
  let fixture: Fixture;
  /** A second Box folder with the same paths as the first and different bytes in every file. */
  let twinId: string;
  let twin: string;

  before(async function () {
    fixture = await startFixture({ seed: 71, tree: { files: 80 } });
    twin = path.join(fixture.root, 'Twin');
    await fs.cp(fixture.source, twin, { recursive: true });
    for (const name of (await readTree(twin)).files.keys()) {
      await fs.appendFile(path.join(twin, ...name.split('/')), ' (twin)');
    }
    twinId = fixture.emulator.idForPath('Twin');
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  for (const policy of ['skip', 'overwrite'] as ConflictPolicy[]) {
    it(`two pulls of one folder into one destination at once (${policy}): the folder, exactly, and user files kept`, async function () {
      const destination = fixture.freshDestination();
      const user = await plantUserFiles(destination, { 'mine.txt': 'mine' });
      const results = await Promise.allSettled(
        [1, 2].map(() =>
          pull(pullRequest(fixture, makeClient(fixture), destination, { conflictPolicy: policy })),
        ),
      );
      results.forEach((result, index) => assertClearFailure(result, `pull ${index + 1}`));
      assert.ok(
        results.some((result) => result.status === 'fulfilled'),
        'at least one pull completes',
      );
      await assertPulled(fixture, destination, user);
      // Each file is created exactly once (by one pull or the other); the loser reports it, never duplicates it.
      const reports = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      if (reports.length === 2) {
        const created = reports.reduce((sum, report) => sum + report.filesWritten, 0);
        assert.equal(created, (await sourceFiles(fixture)).length);
      }
    });
  }

  it('two folders with the same paths into one destination (overwrite): each file is whole, from one of them', async function () {
    const destination = fixture.freshDestination();
    const results = await Promise.allSettled(
      [fixture.folderId, twinId].map((id) =>
        pull(
          pullRequest(fixture, makeClient(fixture), destination, {
            items: [{ type: 'folder', id }],
            conflictPolicy: 'overwrite',
          }),
        ),
      ),
    );
    results.forEach((result, index) => assertClearFailure(result, `pull ${index + 1}`));
    assert.deepEqual(await temporaryLeftovers(destination), []);
    const [a, b, got] = await Promise.all([readTree(fixture.source), readTree(twin), readTree(destination)]);
    assert.deepEqual([...got.files.keys()].sort(), [...a.files.keys()].sort());
    for (const [name, bytes] of got.files) {
      assert.ok(
        bytes.equals(a.files.get(name)!) || bytes.equals(b.files.get(name)!),
        `${name} is mixed or partial`,
      );
    }
  });

  it('one of two pulls into one destination is cancelled: the other completes untouched', async function () {
    fixture.emulator.faults.bytesPerSecond = 1_500_000;
    const destination = fixture.freshDestination();
    const controller = new AbortController();
    const [cancelled, completed] = await Promise.allSettled([
      pull(
        pullRequest(fixture, makeClient(fixture), destination, {
          signal: controller.signal,
          onProgress: (progress) =>
            progress.phase === 'downloading' && progress.bytesDownloaded > 0 && controller.abort(),
        }),
      ),
      pull(pullRequest(fixture, makeClient(fixture), destination)),
    ]);
    assert.equal(cancelled.status, 'rejected');
    assert.equal((cancelled as PromiseRejectedResult).reason.name, 'AbortError');
    assert.equal(completed.status, 'fulfilled', String((completed as PromiseRejectedResult).reason));
    await assertPulled(fixture, destination);
  });

  it('Box allows one download at a time: a second pull while the first downloads fails clearly; the first completes', async function () {
    fixture.emulator.faults.maxConcurrentDownloads = 1;
    // The first download trickles at a byte a second until the second pull is over, so it holds Box's only slot
    // for every attempt of the second pull: exactly one outcome is right.
    fixture.emulator.faults.bytesPerSecond = 1;
    const destination = fixture.freshDestination();
    const [first] = await sourceFiles(fixture);
    const user = await plantUserFiles(destination, { [first]: 'my edit' });
    let bytesFlow!: () => void;
    const downloading = new Promise<void>((resolve) => (bytesFlow = resolve));
    const firstPull = pull(
      pullRequest(fixture, makeClient(fixture), destination, {
        onProgress: (progress) =>
          progress.phase === 'downloading' && progress.bytesDownloaded > 0 && bytesFlow(),
      }),
    );
    await Promise.race([downloading, firstPull]);
    // Were the second pull given a download, it would trickle too: stop it at its first bytes and say so below.
    const second = new AbortController();
    let secondGotBytes = false;
    const secondFailure = await pull(
      pullRequest(fixture, makeClient(fixture), destination, {
        signal: second.signal,
        onProgress: (progress) => {
          if (progress.phase !== 'downloading' || progress.bytesDownloaded === 0) return;
          secondGotBytes = true;
          second.abort();
        },
      }),
    ).then(
      () => new Error('the second pull completed'),
      (error: unknown) => error,
    );
    fixture.emulator.faults.bytesPerSecond = undefined;
    // Settled before any assertion, so that a failing one does not leave it writing into the sandbox.
    const report = await firstPull;
    assert.equal(secondGotBytes, false, 'the second pull got a download while the first held the only one');
    assert.ok(secondFailure instanceof PullError, `not a PullError: ${String(secondFailure)}`);
    assert.equal(secondFailure.code, 'download_failed');
    assert.match(secondFailure.message, /too many concurrent downloads/i);
    assert.equal(secondFailure.message.split('\n').length, 1);
    assert.equal(report.attempts, 1, 'the first pull kept its download');
    await assertPulled(fixture, destination, user);
  });

  it('two pulls sharing one sign-in whose token dies mid-download: one renewal, both complete', async function () {
    const endpoints = { apiBaseUrl: fixture.emulator.baseUrl, authorizeBaseUrl: fixture.emulator.baseUrl };
    fixture.emulator.faults.accessTokenTtlSeconds = 1;
    const tokens = await signInWithOAuth({ endpoints, app: EMULATOR_APP, openBrowser: fakeBrowser() });
    fixture.emulator.faults.accessTokenTtlSeconds = 3600;
    const store = new MemoryTokenStore({
      kind: 'oauth',
      app: EMULATOR_APP,
      issuer: endpoints.apiBaseUrl,
      tokens: { ...tokens, expiresAt: Date.now() + 3600_000 },
    });
    const client = makeClient(fixture, { tokenProvider: new TokenManager({ store, endpoints }) });
    fixture.emulator.faults.entryDelayMs = 25; // two seconds of download: the token dies mid-way
    const grants = countRequests(fixture, 'POST /oauth2/token');
    const destinations = [fixture.freshDestination(), fixture.freshDestination()];
    await Promise.all(destinations.map((destination) => pull(pullRequest(fixture, client, destination))));
    assert.equal(countRequests(fixture, 'POST /oauth2/token') - grants, 1, 'the refresh token is spent once');
    for (const destination of destinations) await assertPulled(fixture, destination);
  });
});
