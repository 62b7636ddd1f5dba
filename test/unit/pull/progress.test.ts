// ProgressTracker on an injected clock: throttling, the rate window, ETA, the fraction of every phase, and a
// fraction that never moves backwards when a fresh ZIP or a second extraction pass starts the counts over.
import assert from 'node:assert/strict';
import {
  ProgressTracker,
  PullProgressReporter,
  type ProgressCounters,
  type PullProgress,
} from '../../../src/core/pull/progress';
import { assertNonDecreasing } from './progressSupport';

class Clock {
  ms = 0;
  readonly now = (): number => this.ms;
}

function tracked(intervalMs = 100): { tracker: ProgressTracker; events: PullProgress[]; clock: Clock } {
  const events: PullProgress[] = [];
  const clock = new Clock();
  return { tracker: new ProgressTracker((p) => events.push(p), intervalMs, clock.now), events, clock };
}

const downloading = (bytesDownloaded: number, extra: Partial<ProgressCounters> = {}): ProgressCounters => ({
  phase: 'downloading',
  bytesDownloaded,
  filesDone: 0,
  ...extra,
});

describe('ProgressTracker', () => {
  describe('throttling', () => {
    it('drops events closer than the interval in one phase, but never a phase change or a forced one', () => {
      const { tracker, events, clock } = tracked(100);
      tracker.update(downloading(0));
      clock.ms = 50;
      tracker.update(downloading(10));
      assert.equal(events.length, 1, 'dropped: 50 ms after the last event');
      tracker.update(downloading(20), true);
      assert.equal(events.length, 2, 'forced');
      clock.ms = 60;
      tracker.update({ phase: 'extracting', bytesDownloaded: 20, filesDone: 0 });
      assert.equal(events.length, 3, 'a new phase always goes out');
      clock.ms = 159;
      tracker.update({ phase: 'extracting', bytesDownloaded: 20, filesDone: 1 });
      assert.equal(events.length, 3);
      clock.ms = 160;
      tracker.update({ phase: 'extracting', bytesDownloaded: 20, filesDone: 2 });
      assert.deepEqual(
        events.map((e) => [e.phase, e.bytesDownloaded, e.filesDone]),
        [
          ['downloading', 0, 0],
          ['downloading', 20, 0],
          ['extracting', 20, 0],
          ['extracting', 20, 2],
        ],
      );
    });

    it('without a listener it only records samples', () => {
      const clock = new Clock();
      const tracker = new ProgressTracker(undefined, 100, clock.now);
      assert.doesNotThrow(() => tracker.update(downloading(5), true));
    });
  });

  describe('rate and ETA', () => {
    it('averages the rate over the last three seconds', () => {
      const { tracker, events, clock } = tracked(0);
      // 1 MB/s for three seconds, then 100 KB/s: the window forgets the fast start.
      for (let second = 0; second <= 3; second++) {
        clock.ms = second * 1000;
        tracker.update(downloading(second * 1_000_000));
      }
      assert.equal(events.at(-1)!.bytesPerSecond, 1_000_000);
      for (let second = 4; second <= 8; second++) {
        clock.ms = second * 1000;
        tracker.update(downloading(3_000_000 + (second - 3) * 100_000));
      }
      assert.equal(events.at(-1)!.bytesPerSecond, 100_000);
    });

    it('is 0 for the first sample and after a new attempt restarts the byte count (never negative)', () => {
      const { tracker, events, clock } = tracked(0);
      tracker.update(downloading(0));
      assert.equal(events.at(-1)!.bytesPerSecond, 0);
      clock.ms = 1000;
      tracker.update(downloading(500_000));
      clock.ms = 1500;
      tracker.update(downloading(0, { attempt: 2 }));
      assert.equal(events.at(-1)!.bytesPerSecond, 0);
      clock.ms = 2500;
      tracker.update(downloading(200_000, { attempt: 2 }));
      assert.equal(events.at(-1)!.bytesPerSecond, 200_000);
    });

    it('estimates the time left from the estimate and the rate, also hours ahead', () => {
      const { tracker, events, clock } = tracked(0);
      const totalBytesEstimate = 10_000_000_000;
      tracker.update(downloading(0, { totalBytesEstimate }));
      assert.equal(events.at(-1)!.etaSeconds, undefined, 'no rate yet, no ETA');
      clock.ms = 2000;
      tracker.update(downloading(2_000_000, { totalBytesEstimate }));
      const last = events.at(-1)!;
      assert.equal(last.bytesPerSecond, 1_000_000);
      assert.equal(last.etaSeconds, 9_998);
    });

    it('has no ETA without a size estimate (unknown or zero)', () => {
      for (const totalBytesEstimate of [undefined, 0]) {
        const { tracker, events, clock } = tracked(0);
        tracker.update(downloading(0, { totalBytesEstimate }));
        clock.ms = 1000;
        tracker.update(downloading(1000, { totalBytesEstimate }));
        assert.equal(events.at(-1)!.bytesPerSecond, 1000);
        assert.equal(events.at(-1)!.etaSeconds, undefined, String(totalBytesEstimate));
        assert.equal(events.at(-1)!.fraction, undefined, String(totalBytesEstimate));
      }
    });

    it('claims no time left once more arrived than estimated, while bytes still come', () => {
      const { tracker, events, clock } = tracked(0);
      tracker.update(downloading(0, { totalBytesEstimate: 1000 }));
      clock.ms = 1000;
      tracker.update(downloading(5000, { totalBytesEstimate: 1000 }));
      assert.equal(events.at(-1)!.etaSeconds, undefined, 'unknown, not 0 s');
      assert.equal(events.at(-1)!.fraction, 0.99 * 0.8, 'downloading stays below its share');
    });

    it('never estimates under a second while bytes are still to come', () => {
      const { tracker, events, clock } = tracked(0);
      tracker.update(downloading(0, { totalBytesEstimate: 1_000_001 }));
      clock.ms = 1000;
      tracker.update(downloading(1_000_000, { totalBytesEstimate: 1_000_001 }));
      assert.equal(events.at(-1)!.etaSeconds, 1);
    });

    it('lets the rate fall to 0 when no bytes arrive, and says "stalled" after 5 s of silence', () => {
      const { tracker, events, clock } = tracked(0);
      const total = { totalBytesEstimate: 100_000_000 };
      for (let second = 0; second <= 3; second++) {
        clock.ms = second * 1000;
        tracker.update(downloading(second * 1_000_000, total));
      }
      assert.equal(events.at(-1)!.bytesPerSecond, 1_000_000);
      const silent = (): PullProgress => {
        tracker.update(downloading(3_000_000, total), true); // the heartbeat's forced update
        return events.at(-1)!;
      };
      clock.ms = 4500;
      const decaying = silent();
      assert.ok(
        decaying.bytesPerSecond < 1_000_000 && decaying.bytesPerSecond > 0,
        `${decaying.bytesPerSecond}`,
      );
      assert.equal(decaying.stalledSeconds, undefined, 'a 1.5 s gap is not a stall yet');
      clock.ms = 7000;
      assert.equal(silent().bytesPerSecond, 0, 'nothing arrived for the whole window');
      clock.ms = 8000;
      const stalled = silent();
      assert.equal(stalled.stalledSeconds, 5);
      assert.equal(stalled.etaSeconds, undefined, 'no time left is claimed while nothing arrives');
      clock.ms = 8200;
      tracker.update(downloading(3_000_100, total), true);
      assert.equal(events.at(-1)!.stalledSeconds, undefined, 'a byte ends the stall');
    });
  });

  describe('file counts', () => {
    it('never count back within an attempt (a second pass starts from zero), only a new attempt resets them', () => {
      const { tracker, events } = tracked(0);
      const reporter = new PullProgressReporter(tracker);
      reporter.startAttempt(1, 3);
      reporter.enter('extracting');
      reporter.totalFiles(1225);
      reporter.filesDone(980);
      reporter.filesDone(0); // the central directory pass after the streaming one
      reporter.filesDone(12);
      assert.deepEqual(
        events.filter((e) => e.phase === 'extracting').map((e) => e.filesDone),
        [0, 980, 980, 980],
      );
      reporter.startAttempt(2, 3);
      reporter.enter('downloading');
      assert.deepEqual(
        [events.at(-1)!.filesDone, events.at(-1)!.attempt, events.at(-1)!.maxAttempts],
        [0, 2, 3],
      );
    });
  });

  describe('fraction of every phase', () => {
    it('preparing 0, downloading up to 80 %, extracting and placing the rest by files, done 1', () => {
      const { tracker, events } = tracked(0);
      const totalBytesEstimate = 1000;
      tracker.update({ phase: 'preparing', bytesDownloaded: 0, filesDone: 0 });
      tracker.update(downloading(500, { totalBytesEstimate }));
      tracker.update({ phase: 'extracting', bytesDownloaded: 900, filesDone: 0, totalFiles: 0 });
      tracker.update({ phase: 'extracting', bytesDownloaded: 900, filesDone: 5, totalFiles: 10 });
      tracker.update({ phase: 'placing', bytesDownloaded: 900, filesDone: 10, totalFiles: 10 });
      tracker.update({ phase: 'done', bytesDownloaded: 900, filesDone: 10, totalFiles: 10 });
      assert.deepEqual(
        events.map((e) => e.fraction),
        [0, 0.4, 0.8, 0.9, 1, 1],
      );
      assert.equal(events.at(-1)!.etaSeconds, 0);
    });
  });

  describe('the fraction never moves backwards', () => {
    it('holds its mark when a fresh ZIP starts the byte count over, and says which attempt it is', () => {
      const { tracker, events, clock } = tracked(0);
      const totalBytesEstimate = 1_000_000;
      tracker.update(downloading(0, { totalBytesEstimate, attempt: 1 }));
      clock.ms = 100;
      tracker.update(downloading(147_500, { totalBytesEstimate, attempt: 1 }));
      const reached = events.at(-1)!.fraction!;
      assert.equal(reached, 0.118);
      clock.ms = 200;
      tracker.update(downloading(0, { totalBytesEstimate, attempt: 2 }));
      assert.equal(events.at(-1)!.fraction, reached, 'held, not 0');
      assert.equal(events.at(-1)!.attempt, 2);
      clock.ms = 300;
      tracker.update(downloading(100_000, { totalBytesEstimate, attempt: 2 }));
      assert.equal(events.at(-1)!.fraction, reached, 'still held below the mark');
      clock.ms = 400;
      tracker.update(downloading(500_000, { totalBytesEstimate, attempt: 2 }));
      assert.equal(events.at(-1)!.fraction, 0.4, 'moves on once the new attempt passes the mark');
      assertNonDecreasing(events);
    });

    it('holds its mark when the central directory disagrees and extraction starts over', () => {
      const { tracker, events } = tracked(0);
      tracker.update({ phase: 'extracting', bytesDownloaded: 10, filesDone: 8, totalFiles: 10 });
      tracker.update({ phase: 'extracting', bytesDownloaded: 10, filesDone: 0, totalFiles: 10 });
      tracker.update({ phase: 'extracting', bytesDownloaded: 10, filesDone: 9, totalFiles: 10 });
      assert.deepEqual(
        events.map((e) => e.fraction),
        [0.96, 0.96, 0.98],
      );
    });

    it('keeps showing its mark when a retry no longer knows the size', () => {
      const { tracker, events } = tracked(0);
      tracker.update({ phase: 'extracting', bytesDownloaded: 10, filesDone: 5, totalFiles: 10 });
      tracker.update(downloading(0, { attempt: 2 }));
      assert.equal(events.at(-1)!.fraction, 0.9);
    });

    it('stays unknown while nothing but "preparing" was shown', () => {
      const { tracker, events } = tracked(0);
      tracker.update({ phase: 'preparing', bytesDownloaded: 0, filesDone: 0 });
      tracker.update(downloading(100));
      assert.deepEqual(
        events.map((e) => e.fraction),
        [0, undefined],
      );
    });
  });
});
