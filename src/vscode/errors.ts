// Classifies failures for the UI by name along the cause chain, so this file needs none of the heavy modules
// (the classes live in code that loads lazily).

import { isAbortError } from '../core/abort';

const AUTH_ERROR_NAMES = new Set(['SignInRequiredError', 'BoxAuthError']);

/** Box wants the user to sign in again: no token, a refused refresh, or a 401 after refreshing. */
export function isSignInRequired(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (!(current instanceof Error)) return false;
    if (AUTH_ERROR_NAMES.has(current.name)) return true;
    if (current.name === 'PullError' && (current as { kind?: string }).kind === 'sign_in_required')
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || isAbortError(error);
}

/** One line for a notification. Core messages are already written for people and already redacted. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
