// Request-level fault injection: 429 rate limiting and 5xx answers for the next N matching API requests.
import { BoxError } from './errors';
import type { CountedFault, EmulatorFaults } from './options';

const DEFAULT_PREFIX = '/2.0/';

const SERVER_ERRORS: Record<number, { code: string; message: string }> = {
  500: { code: 'internal_server_error', message: 'Internal Server Error' },
  502: { code: 'bad_gateway', message: 'Bad Gateway' },
  503: { code: 'unavailable', message: 'Unavailable' },
};

/** Consumes one hit of a counted fault if it applies to this path. */
function take(fault: CountedFault | undefined, pathname: string): boolean {
  if (!fault || fault.remaining <= 0) return false;
  if (!pathname.startsWith(fault.pathPrefix ?? DEFAULT_PREFIX)) return false;
  fault.remaining--;
  return true;
}

/** True (and one hit consumed) when this request is to be held without an answer (`hangRequests`). */
export function injectedHang(faults: EmulatorFaults, pathname: string): boolean {
  return take(faults.hangRequests, pathname);
}

/** Returns the error to answer with instead of handling the request, if a fault fires. */
export function injectedFault(faults: EmulatorFaults, pathname: string): BoxError | undefined {
  if (take(faults.rateLimit, pathname)) {
    const seconds = faults.rateLimit!.retryAfterSeconds ?? 1;
    return new BoxError(
      429,
      'rate_limit_exceeded',
      'Request rate limit exceeded, please try again later',
      undefined,
      {
        'retry-after': String(seconds),
      },
    );
  }
  if (take(faults.serverErrors, pathname)) {
    const status = faults.serverErrors!.status ?? 500;
    const { code, message } = SERVER_ERRORS[status] ?? SERVER_ERRORS[500];
    const retryAfter = faults.serverErrors!.retryAfterSeconds;
    const headers: Record<string, string> =
      status === 503 && retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
    return new BoxError(status, code, message, undefined, headers);
  }
  return undefined;
}
