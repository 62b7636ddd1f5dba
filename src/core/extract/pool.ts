import { abortError } from '../abort';

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. File-system calls go through libuv's thread pool,
 * so keeping several in flight is what makes thousands of small files fast. On the first failure (or abort) no new
 * item starts, `onFailure` runs once (to cancel in-flight work), and the pool rejects only after every started
 * item has settled: nothing keeps writing after the caller has been told it failed.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
  options: { signal?: AbortSignal; onFailure?: (error: unknown) => void } = {},
): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    firstError = error;
    options.onFailure?.(error);
  };
  const runner = async (): Promise<void> => {
    while (!failed && next < items.length) {
      if (options.signal?.aborted) {
        fail(abortError(options.signal));
        return;
      }
      const index = next++;
      try {
        await worker(items[index], index);
      } catch (error) {
        fail(error);
      }
    }
  };
  const width = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: width }, runner));
  if (failed) throw firstError;
}
