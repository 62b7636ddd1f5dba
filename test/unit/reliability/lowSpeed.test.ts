// A download that trickles (the emulator capped to a few hundred bytes a second) never trips undici's idle timeout,
// and once ran for days with "0 s left". Under the low-speed limit for the whole window, the pull gives the
// download up, tries one fresh ZIP, and then fails with a clear error. The window passes on a hand-moved clock.
import assert from 'node:assert/strict';
import { PullError } from '../../../src/core/errors';
import { watchDownloadSpeed } from '../../../src/core/pull/lowSpeed';
import { pull } from '../../../src/core/pull/pull';
import type { PullProgress } from '../../../src/core/pull/progress';
import { ManualClock } from '../../helpers/clock';
import {
  assertUnchanged,
  countRequests,
  listing,
  makeClient,
  pullRequest,
  resetFaults,
  startFixture,
  type Fixture,
} from './support';

describe('the low-speed limit (a trickling download)', function () {
  let fixture: Fixture;

  before(async function () {
    fixture = await startFixture({ seed: 41 });
  });

  afterEach(() => {
    resetFaults(fixture);
    fixture.requestLog.length = 0;
  });

  after(async function () {
    await fixture?.close();
  });

  /** Moves the clock a second at a time whenever the watch waits, until `task` settles. */
  async function onManualTime<T>(clock: ManualClock, task: Promise<T>): Promise<T> {
    let settled = false;
    const done = task.finally(() => (settled = true));
    done.catch(() => undefined);
    while (!settled) {
      await Promise.race([clock.whenSleeping(1), done.catch(() => undefined)]);
      if (!settled) clock.advance(1000);
    }
    return done;
  }

  it('a frozen server: the rate falls to 0 and progress says "stalled", then the pull completes when bytes return', async function () {
    const faults = fixture.emulator.faults;
    faults.freezeAfterBytes = 20_000;
    const clock = new ManualClock(0);
    const destination = fixture.freshDestination();
    const events: PullProgress[] = [];
    const request = pullRequest(fixture, makeClient(fixture), destination, {
      clock,
      onProgress: (p) => {
        events.push(p);
        // Five silent seconds on the hand-moved clock: the server wakes up.
        if (p.stalledSeconds !== undefined && p.stalledSeconds >= 5) faults.freezeAfterBytes = undefined;
      },
    });
    const pulling = pull(request);
    // Time stands still until the server has gone silent, then moves a second at a time until it wakes up.
    while (!fixture.emulator.stats.downloadsFrozen) await new Promise((resolve) => setTimeout(resolve, 10));
    while (faults.freezeAfterBytes !== undefined) {
      await clock.whenSleeping(1);
      clock.advance(1000);
    }
    const report = await pulling;
    assert.equal(report.attempts, 1);
    const stalled = events.filter((e) => e.stalledSeconds !== undefined);
    assert.ok(stalled.length > 0, 'progress said "stalled"');
    assert.ok(
      stalled.every((e) => e.bytesPerSecond === 0 && e.etaSeconds === undefined && e.phase === 'downloading'),
      JSON.stringify(stalled),
    );
    const resumed = events.slice(events.indexOf(stalled.at(-1)!) + 1).find((e) => e.phase === 'downloading');
    assert.equal(resumed?.stalledSeconds, undefined, 'bytes again end the stall');
  });

  it('under 1 KB/s for 60 s: one fresh ZIP, then a clear one-line error; the destination is untouched', async function () {
    fixture.emulator.faults.bytesPerSecond = 200;
    const clock = new ManualClock(0);
    const destination = fixture.freshDestination();
    const before = await listing(destination);
    const events: PullProgress[] = [];
    const request = pullRequest(fixture, makeClient(fixture), destination, {
      clock,
      onProgress: (p) => events.push(p),
    });
    const failure = await onManualTime(clock, pull(request)).then(
      () => assert.fail('a trickle must not complete on the manual clock'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof PullError, String(failure));
    assert.equal(failure.code, 'too_slow');
    assert.match(failure.message, /^The download ran slower than 1\.0 KB\/s for 60 s\b[^\n]*$/);
    assert.equal(countRequests(fixture, 'POST /2.0/zip_downloads'), 2, 'one fresh ZIP, not three');
    await assertUnchanged(destination, before, 'too slow');
    const downloading = events.filter((e) => e.phase === 'downloading');
    assert.ok(downloading.length > 60, `a heartbeat every second (${downloading.length} events)`);
    assert.ok(
      downloading.every((e) => e.etaSeconds === undefined || e.etaSeconds >= 1),
      'never "0 s left" while bytes still come',
    );
    assert.deepEqual([...new Set(downloading.map((e) => `${e.attempt}/${e.maxAttempts}`))], ['1/3', '2/3']);
  });
});

describe('watchDownloadSpeed', function () {
  /** Feeds `perSecond(second)` bytes before each tick; returns the second the watch gave up, if it did. */
  async function watch(perSecond: (second: number) => number, seconds: number): Promise<number | undefined> {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    let bytes = 0;
    let gaveUpAt: number | undefined;
    const watching = watchDownloadSpeed(() => bytes, {
      clock,
      stop: stop.signal,
      onTick: () => undefined,
      onTooSlow: () => (gaveUpAt = clock.now() / 1000),
    });
    for (let second = 1; second <= seconds && gaveUpAt === undefined; second++) {
      await clock.whenSleeping(1);
      bytes += perSecond(second);
      clock.advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    stop.abort();
    await watching;
    return gaveUpAt;
  }

  it('leaves a steady 2 KB/s alone, and a slow start that picks up', async function () {
    assert.equal(await watch(() => 2000, 300), undefined);
    assert.equal(await watch((s) => (s <= 30 ? 0 : 3000), 300), undefined);
  });

  it('gives up after 60 s under 1 KB/s on average, whether silent or trickling', async function () {
    assert.equal(await watch(() => 0, 300), 60);
    assert.equal(await watch(() => 999, 300), 60);
    assert.equal(await watch((s) => (s <= 30 ? 1_000_000 : 1), 300), 90, 'a fast start, then a trickle');
  });
});
