// Classifies failures for the UI by the core's error names and codes (core/errors.ts). Not by `instanceof`: the
// pipeline loads lazily as a second bundle (heavy.ts) with its own copy of the error classes.
import { isAbortError } from '../core/abort';
import type { SignInRequiredCode } from '../core/errors';

type NamedError = Error & { code?: unknown; accountId?: unknown };

/** The first error along the cause chain with this `name`. */
function findByName(error: unknown, name: string): NamedError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current.name === name) return current;
    current = current.cause;
  }
  return undefined;
}

/** Box wants the user to sign in (again), anywhere along the cause chain; with `code`, for that reason only. */
export function isSignInRequired(error: unknown, code?: SignInRequiredCode): boolean {
  const signIn = findByName(error, 'SignInRequiredError');
  if (signIn) return code === undefined || signIn.code === code;
  return code === undefined && findByName(error, 'PullError')?.code === 'sign_in_required';
}

/** The account a sign-in error names (SignInRequiredError.accountId), anywhere along the cause chain. */
export function signInRequiredAccount(error: unknown): string | undefined {
  const accountId = findByName(error, 'SignInRequiredError')?.accountId;
  return typeof accountId === 'string' ? accountId : undefined;
}

/** The OAuth error code (`invalid_client`, `access_denied`, ...) of a failed sign-in, if that is what it was. */
export function oauthErrorCode(error: unknown): string | undefined {
  const code = findByName(error, 'OAuthError')?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || isAbortError(error);
}
