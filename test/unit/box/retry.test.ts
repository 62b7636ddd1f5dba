import assert from 'node:assert/strict';
import {
  computeBackoffMs,
  decideRetry,
  DEFAULT_RETRY_OPTIONS,
  parseRetryAfter,
  resolveRetryOptions,
  type RetryOptions,
} from '../../../src/core/box/retry';
import { sleep } from '../../../src/core/abort';

function options(overrides: Partial<RetryOptions> = {}): RetryOptions {
  return resolveRetryOptions(overrides);
}

describe('retry policy', () => {
  describe('defaults', () => {
    it('are 5 attempts, 1 s base, 30 s cap, 120 s Retry-After cap, 5 min budget', () => {
      assert.equal(DEFAULT_RETRY_OPTIONS.maxAttempts, 5);
      assert.equal(DEFAULT_RETRY_OPTIONS.baseDelayMs, 1000);
      assert.equal(DEFAULT_RETRY_OPTIONS.maxDelayMs, 30_000);
      assert.equal(DEFAULT_RETRY_OPTIONS.maxRetryAfterMs, 120_000);
      assert.equal(DEFAULT_RETRY_OPTIONS.budgetMs, 300_000);
    });

    it('ignores undefined overrides and rejects zero attempts', () => {
      assert.equal(resolveRetryOptions({ maxAttempts: undefined }).maxAttempts, 5);
      assert.throws(() => resolveRetryOptions({ maxAttempts: 0 }), RangeError);
    });
  });

  describe('computeBackoffMs with full jitter', () => {
    it('doubles the ceiling per retry and caps it', () => {
      const top = options({ random: () => 0.999999 });
      const ceilings = [1, 2, 3, 4, 5, 6, 7].map((retry) => computeBackoffMs(retry, top));
      assert.deepEqual(ceilings, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    });

    it('scales the ceiling by the random draw', () => {
      assert.equal(computeBackoffMs(3, options({ random: () => 0.5 })), 2000);
      assert.equal(computeBackoffMs(3, options({ random: () => 0 })), 0);
    });
  });

  describe('computeBackoffMs with decorrelated jitter', () => {
    it('draws between the base and three times the previous wait, capped', () => {
      const low = options({ jitter: 'decorrelated', random: () => 0 });
      const high = options({ jitter: 'decorrelated', random: () => 1 });
      assert.equal(computeBackoffMs(1, low), 1000);
      assert.equal(computeBackoffMs(1, high), 3000);
      assert.equal(computeBackoffMs(2, high, 3000), 9000);
      assert.equal(computeBackoffMs(5, high, 20_000), 30_000);
    });
  });

  describe('parseRetryAfter', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');

    it('reads delta-seconds as milliseconds', () => {
      assert.equal(parseRetryAfter('100', now), 100_000);
      assert.equal(parseRetryAfter(' 0 ', now), 0);
      assert.equal(parseRetryAfter('1.5', now), 1500);
      assert.equal(parseRetryAfter(['7', '9'], now), 7000);
    });

    it('reads an HTTP-date relative to now, never negative', () => {
      assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
      assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0);
    });

    it('returns undefined for absent or unreadable values', () => {
      assert.equal(parseRetryAfter(undefined, now), undefined);
      assert.equal(parseRetryAfter('', now), undefined);
      assert.equal(parseRetryAfter('soon', now), undefined);
      assert.equal(parseRetryAfter('-5', now), undefined);
    });
  });

  describe('decideRetry', () => {
    const policy = options({ random: () => 0.5 });

    it('does not retry what is not retryable', () => {
      assert.deepEqual(decideRetry({ attempts: 1, elapsedMs: 0 }, { retryable: false }, policy), {
        retry: false,
        reason: 'not-retryable',
      });
    });

    it('backs off until the attempts run out', () => {
      const delays = [1, 2, 3, 4].map((attempts) =>
        decideRetry({ attempts, elapsedMs: 0 }, { retryable: true }, policy),
      );
      assert.deepEqual(
        delays.map((d) => (d.retry ? d.delayMs : d.reason)),
        [500, 1000, 2000, 4000],
      );
      assert.deepEqual(decideRetry({ attempts: 5, elapsedMs: 0 }, { retryable: true }, policy), {
        retry: false,
        reason: 'max-attempts',
      });
    });

    it('prefers Retry-After and caps it', () => {
      assert.deepEqual(
        decideRetry({ attempts: 1, elapsedMs: 0 }, { retryable: true, retryAfterMs: 7000 }, policy),
        {
          retry: true,
          delayMs: 7000,
          reason: 'retry-after',
        },
      );
      const capped = decideRetry(
        { attempts: 1, elapsedMs: 0 },
        { retryable: true, retryAfterMs: 3_600_000 },
        policy,
      );
      assert.ok(capped.retry);
      assert.equal(capped.delayMs, 120_000);
    });

    it('gives up when the wait would end past the overall budget', () => {
      assert.deepEqual(
        decideRetry({ attempts: 1, elapsedMs: 250_000 }, { retryable: true, retryAfterMs: 60_000 }, policy),
        { retry: false, reason: 'budget' },
      );
      const within = decideRetry(
        { attempts: 1, elapsedMs: 250_000 },
        { retryable: true, retryAfterMs: 50_000 },
        policy,
      );
      assert.equal(within.retry, true);
    });

    it('feeds the previous wait into decorrelated jitter', () => {
      const decorrelated = options({ jitter: 'decorrelated', random: () => 1 });
      const next = decideRetry(
        { attempts: 2, elapsedMs: 0, previousDelayMs: 2000 },
        { retryable: true },
        decorrelated,
      );
      assert.ok(next.retry);
      assert.equal(next.delayMs, 6000);
    });
  });

  describe('sleep', () => {
    // Every Retry-After test records its waits instead of sleeping, so only these prove the real one waits.
    it('resolves no earlier than the wait, with or without a signal', async () => {
      for (const signal of [undefined, new AbortController().signal]) {
        const start = performance.now();
        await sleep(120, signal);
        // Timers may fire up to a millisecond early against performance.now(), hence the margin.
        assert.ok(performance.now() - start >= 118, `waited ${performance.now() - start} ms`);
      }
    });

    it('rejects with the abort reason as soon as the signal aborts, and clears its timer', async () => {
      // Counted synchronously, so no other timer of the process can start or fire in between.
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      const controller = new AbortController();
      const before = timers();
      let settled = false;
      const pending = sleep(60_000, controller.signal).finally(() => (settled = true));
      assert.equal(timers(), before + 1, 'the wait holds one timer');
      const reason = new Error('cancelled mid-wait');
      controller.abort(reason);
      assert.equal(timers(), before, 'the timer outlives the abort');
      // Promptly: settled by the next turn of the event loop, not when the 60 s are up.
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(settled, 'still waiting after the abort');
      await assert.rejects(pending, (err) => err === reason);
    });

    it('rejects with an AbortError for an abort without a reason', async () => {
      const controller = new AbortController();
      const pending = sleep(60_000, controller.signal);
      controller.abort();
      await assert.rejects(pending, { name: 'AbortError' });
    });

    it('rejects for an already aborted signal, with a custom reason as is', async () => {
      const reason = new Error('cancelled by the user');
      await assert.rejects(sleep(10, AbortSignal.abort(reason)), (err) => err === reason);
    });

    it('wraps a non-Error reason into an AbortError', async () => {
      await assert.rejects(sleep(10, AbortSignal.abort('stop')), { name: 'AbortError', message: 'stop' });
    });
  });
});
