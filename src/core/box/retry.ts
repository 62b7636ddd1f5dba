// The retry policy as pure functions: how long to wait before the next attempt, or whether to give up. The client
// owns the loop; keeping the arithmetic here makes it testable without clocks (inject `random` and `now`).
import { withDefaults } from '../defaults';
import { BoxApiError, BoxNetworkError, type BoxNetworkErrorCode } from '../errors';

export interface RetryOptions {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** The first backoff step. */
  baseDelayMs: number;
  /** No computed backoff is longer than this. */
  maxDelayMs: number;
  /** A server's Retry-After is honoured up to this long. */
  maxRetryAfterMs: number;
  /** After this much time since the first attempt, give up with the last error instead of waiting again. */
  budgetMs: number;
  /**
   * 'full': random in [0, min(cap, base * 2^n)) (spreads clients best);
   * 'decorrelated': random in [base, previous * 3), capped (grows smoothly from the last wait).
   */
  jitter: 'full' | 'decorrelated';
  /** Injectable for tests; returns [0, 1). */
  random: () => number;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  budgetMs: 5 * 60_000,
  jitter: 'full',
  random: Math.random,
});

export function resolveRetryOptions(overrides?: Partial<RetryOptions>): RetryOptions {
  const options = withDefaults(DEFAULT_RETRY_OPTIONS, overrides);
  if (!(options.maxAttempts >= 1)) {
    throw new RangeError('retry.maxAttempts must be at least 1');
  }
  return options;
}

/**
 * The jittered backoff before retry number `retry` (1 for the wait after the first failure).
 * `previousDelayMs` feeds the decorrelated variant; the full variant ignores it.
 */
export function computeBackoffMs(retry: number, options: RetryOptions, previousDelayMs?: number): number {
  const { baseDelayMs, maxDelayMs, random } = options;
  if (options.jitter === 'decorrelated') {
    const previous = Math.max(previousDelayMs ?? baseDelayMs, baseDelayMs);
    const upper = Math.min(maxDelayMs, previous * 3);
    return Math.round(Math.min(maxDelayMs, baseDelayMs + random() * Math.max(0, upper - baseDelayMs)));
  }
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(random() * ceiling);
}

/**
 * A Retry-After header value in milliseconds: delta-seconds (`"120"`, fractions tolerated) or an HTTP-date.
 * Returns undefined when absent or unreadable. Not capped here; see `decideRetry`.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) {
    return undefined;
  }
  return Math.max(0, date - nowMs);
}

export interface RetryState {
  /** Attempts made so far (1 after the first failure). */
  attempts: number;
  /** Time since the first attempt started. */
  elapsedMs: number;
  /** The previous wait, for decorrelated jitter. */
  previousDelayMs?: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: 'retry-after' | 'backoff' }
  | { retry: false; reason: 'not-retryable' | 'max-attempts' | 'budget' };

/**
 * Whether to retry after a failure, and how long to wait. `retryAfterMs` (from the server) wins over backoff but
 * is capped at `maxRetryAfterMs`. A wait that would end past the overall budget means give up now.
 */
export function decideRetry(
  state: RetryState,
  failure: { retryable: boolean; retryAfterMs?: number },
  options: RetryOptions,
): RetryDecision {
  if (!failure.retryable) {
    return { retry: false, reason: 'not-retryable' };
  }
  if (state.attempts >= options.maxAttempts) {
    return { retry: false, reason: 'max-attempts' };
  }
  const fromServer = failure.retryAfterMs !== undefined;
  const delayMs = fromServer
    ? Math.min(Math.max(0, failure.retryAfterMs ?? 0), options.maxRetryAfterMs)
    : computeBackoffMs(state.attempts, options, state.previousDelayMs);
  if (state.elapsedMs + delayMs > options.budgetMs) {
    return { retry: false, reason: 'budget' };
  }
  return { retry: true, delayMs, reason: fromServer ? 'retry-after' : 'backoff' };
}

const RETRYABLE_NETWORK_CODES: ReadonlySet<BoxNetworkErrorCode> = new Set(['timeout', 'reset', 'refused']);

/**
 * Whether trying the same idempotent request again may succeed: rate limits, server-side failures except "not
 * implemented" (501) and "insufficient storage" (507), and transient network failures. Aborts never are.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof BoxApiError) {
    return (
      err.status === 408 ||
      err.status === 429 ||
      (err.status >= 500 && err.status !== 501 && err.status !== 507)
    );
  }
  if (err instanceof BoxNetworkError) {
    return RETRYABLE_NETWORK_CODES.has(err.code);
  }
  return false;
}
