// A ZIP status endpoint that hangs after a complete archive (reported: the archive was in after 0.1 s, then the
// status GET was retried 5 × the 60 s idle timeout, and the pull ended at 306 s while progress said
// "downloading"). The status wait has its own budget, the archive's checks stand, and the phase moves on as soon
// as the bytes are in. The client's idle timeout is lowered here so that the old behaviour (5 × the idle timeout)
// shows in request counts without waiting minutes; nothing below asserts on time.
import assert from 'node:assert/strict';
import { isAbortError } from '../../../src/core/abort';
import type { BoxClient } from '../../../src/core/box/client';
import type { ZipDownload } from '../../../src/core/box/types';
import { pull } from '../../../src/core/pull/pull';
import type { PullProgress } from '../../../src/core/pull/progress';
import { waitForFinalStatus } from '../../../src/core/pull/status';
import { ManualClock } from '../../helpers/clock';
import type { StatusHang } from '../../../src/emulator/index';
import {
  assertPulled,
  capturingLogger,
  makeClient,
  pullRequest,
  resetFaults,
  startFixture,
  type Fixture,
} from './support';

/** Far above the status budget the tests give, so that only the budget can end a hung status request. */
const IDLE_TIMEOUT_MS = 6000;

describe('reliability: a ZIP status endpoint that hangs', function () {
  let fixture: Fixture;

  before(async function () {
    fixture = await startFixture({ seed: 41 });
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  /** A ZIP whose archive was read to the end: its status URL is live (Box answers 404 before the download). */
  async function downloadedZip(client: BoxClient): Promise<ZipDownload> {
    const zip = await client.createZipDownload({ items: [{ type: 'folder', id: fixture.folderId }] });
    const { body } = await client.openZipDownloadContent(zip.download_url);
    for await (const chunk of body) void chunk;
    return zip;
  }

  for (const mode of ['silent', 'headers'] satisfies StatusHang[]) {
    it(`status hangs (${mode}): the pull ends on the archive's checks, out of 'downloading' once the bytes are in`, async function () {
      fixture.emulator.faults.statusHang = mode;
      const hangsBefore = fixture.emulator.stats.statusHangs;
      const events: { progress: PullProgress; statusWarned: boolean }[] = [];
      const { logger, lines } = capturingLogger();
      const destination = fixture.freshDestination();
      const report = await pull(
        pullRequest(fixture, makeClient(fixture, { idleTimeoutMs: IDLE_TIMEOUT_MS }), destination, {
          logger,
          // A budget long enough that a loaded machine still changes phase well before it runs out.
          statusPoll: { firstDelayMs: 5, maxDelayMs: 10, budgetMs: 2_000 },
          onProgress: (progress) =>
            events.push({ progress, statusWarned: lines.some((line) => /ZIP status/.test(line.text)) }),
        }),
      );

      await assertPulled(fixture, destination);
      assert.equal(report.boxState, 'unknown');
      assert.equal(report.attempts, 1);
      // The early request for the file count, and one for the final status, cut short by the budget: no retries.
      const hangs = fixture.emulator.stats.statusHangs - hangsBefore;
      assert.ok(hangs <= 2, `${hangs} status requests were held, expected at most 2`);

      const left = events.findIndex(
        ({ progress }) => progress.phase !== 'downloading' && progress.phase !== 'preparing',
      );
      assert.ok(left > 0, 'the phase left downloading');
      const { progress, statusWarned } = events[left];
      assert.equal(progress.phase, 'extracting');
      assert.equal(
        progress.bytesDownloaded,
        report.bytesDownloaded,
        'all bytes were in when the phase changed',
      );
      // Before the fix, 'extracting' came only after the status wait had given up on every retry.
      assert.ok(!statusWarned, 'the phase changed only after the status wait gave up');
      assert.ok(
        lines.some((line) => line.level === 'warn' && /did not report the ZIP status/.test(line.text)),
        'the missing status is a warning',
      );
    });
  }

  it('a cancel while the status hangs is a cancel, not a missing status', async function () {
    fixture.emulator.faults.statusHang = 'silent';
    const client = makeClient(fixture, { idleTimeoutMs: 30_000 });
    const zip = await downloadedZip(client);
    const hangsBefore = fixture.emulator.stats.statusHangs;
    const controller = new AbortController();
    const waiting = waitForFinalStatus(client, zip.status_url, {
      signal: controller.signal,
      budgetMs: 30_000,
      logger: capturingLogger().logger,
    });
    // The cancel lands once the emulator holds the request (a count, not a timing).
    while (fixture.emulator.stats.statusHangs === hangsBefore)
      await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await assert.rejects(waiting, (error: unknown) => isAbortError(error));
  });

  it('a status budget that runs out during the wait is not a cancel', async function () {
    fixture.emulator.faults.statusHang = 'headers';
    const client = makeClient(fixture, { idleTimeoutMs: 30_000 });
    const zip = await downloadedZip(client);
    const { logger, lines } = capturingLogger();
    const status = await waitForFinalStatus(client, zip.status_url, {
      signal: new AbortController().signal,
      budgetMs: 100,
      logger,
    });
    assert.equal(status, undefined);
    assert.ok(lines.some((line) => line.level === 'warn' && /within 100 ms/.test(line.text)));
  });

  it("time a poll spends queued in the client's rate window is not spent from the status budget", async function () {
    const client = makeClient(fixture);
    const zip = await downloadedZip(client);
    // From here on the rate window is full: the status poll waits for its turn until the test lets it go.
    let release = (): void => undefined;
    const queued = new Promise<void>((entered) => {
      client.useRateLimiter({
        take: (signal) =>
          new Promise<void>((resolve, reject) => {
            release = resolve;
            signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
            entered();
          }),
      });
    });
    const clock = new ManualClock(0);
    const { logger, lines } = capturingLogger();
    const polls = fixture.emulator.stats.statusPolls;
    const waiting = waitForFinalStatus(client, zip.status_url, {
      signal: new AbortController().signal,
      budgetMs: 1,
      clock,
      logger,
    });
    await queued;
    // Queued far longer than the budget, on the budget's clock and on the wall clock alike.
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const status = await waiting;
    assert.equal(status?.state, 'succeeded');
    assert.equal(fixture.emulator.stats.statusPolls - polls, 1, 'one poll, answered');
    assert.deepEqual(
      lines.filter((line) => line.level === 'warn'),
      [],
    );
  });
});
