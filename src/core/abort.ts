/**
 * Cancellation, in one place. Every wait and every loop of the core takes an AbortSignal, and an aborted operation
 * rejects with `abortError(signal)`:
 * - the signal's reason when that is an Error: the DOMException "AbortError" of a plain `controller.abort()`, a
 *   "TimeoutError" of `AbortSignal.timeout`, or the failure an internal controller was aborted with;
 * - otherwise a new Error named "AbortError" (code ABORT_ERR, like Node's own) that carries the reason as `cause`.
 * `isAbortError` recognises the abort shapes (by name or code), never a failure that happened to stop the work.
 */

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(reason === undefined ? 'The operation was aborted.' : String(reason), {
    cause: reason,
  }) as Error & { code: string };
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  return error;
}

export function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR')
  );
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself goes on; its result is dropped). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Waits `ms`, or rejects as soon as `signal` aborts (and clears its timer). A `background` wait (a heartbeat) does
 * not keep the process alive by itself.
 */
export function sleep(ms: number, signal?: AbortSignal, background = false): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (background) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
