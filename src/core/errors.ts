/**
 * Every failure the core raises on purpose, in one module: each is a `BoxPullError` with a stable `code` that front
 * ends key on (exit codes, messages, retry decisions) and a one-line message a person can act on. Messages never
 * hold a token, a secret or a ZIP URL: URLs are redacted before they are stored. This module loads nothing heavy,
 * so the VS Code layer can `instanceof` these without loading undici. Cancellation is not an error of ours: it is
 * an AbortError (abort.ts).
 */
import { redactSecrets } from './logger';

/** An error's message, or the thrown value as text: for one-line reasons and log lines. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export abstract class BoxPullError extends Error {
  abstract readonly code: string;
}

// ---- Box's API ----------------------------------------------------------------------------------------------

export interface BoxApiErrorDetails {
  status: number;
  method: string;
  /** The request URL; redacted before it is stored. */
  url: string;
  code?: string;
  /** Box's own `message` field, if the body had one. */
  boxMessage?: string;
  requestId?: string;
  helpUrl?: string;
  retryAfterMs?: number;
  contextInfo?: unknown;
}

/**
 * Codes of ours on a BoxApiError for a 2xx answer the client cannot use; none is retried, since the same server
 * would answer the same way. `invalid_response`: truncated or foreign body. `response_too_large`: the body went past
 * the size its endpoint can need (reading stopped there). `endless_listing`: a folder listing whose pages would not
 * end (a repeated marker, empty pages that still promise more, more items or pages than the folder can hold).
 */
export type BoxClientProblemCode = 'invalid_response' | 'response_too_large' | 'endless_listing';

/**
 * Box answered with an HTTP error status (`code` is Box's own, `not_found`, ..., or `http_<status>`), or with a
 * 2xx answer the client cannot use (`code` is a BoxClientProblemCode).
 */
export class BoxApiError extends BoxPullError {
  override readonly name = 'BoxApiError';
  readonly code: string;
  readonly status: number;
  readonly boxMessage?: string;
  readonly requestId?: string;
  readonly helpUrl?: string;
  readonly retryAfterMs?: number;
  readonly contextInfo?: unknown;
  readonly method: string;
  readonly url: string;

  constructor(details: BoxApiErrorDetails) {
    const url = redactSecrets(details.url);
    const boxMessage = details.boxMessage === undefined ? undefined : redactSecrets(details.boxMessage);
    const code = details.code ? ` ${details.code}` : '';
    const said = boxMessage ? `: ${boxMessage}` : '';
    const id = details.requestId ? ` (request id ${details.requestId})` : '';
    super(`Box answered ${details.status}${code} for ${details.method} ${pathOf(url)}${said}${id}`);
    this.code = details.code ?? `http_${details.status}`;
    this.status = details.status;
    this.boxMessage = boxMessage;
    this.requestId = details.requestId;
    this.helpUrl = details.helpUrl;
    this.retryAfterMs = details.retryAfterMs;
    this.contextInfo = details.contextInfo;
    this.method = details.method;
    this.url = url;
  }
}

export type BoxNetworkErrorCode = 'timeout' | 'reset' | 'refused' | 'dns' | 'tls' | 'other';

/** The request never got a complete answer: timeout, reset, refused connection, DNS failure, ... */
export class BoxNetworkError extends BoxPullError {
  override readonly name = 'BoxNetworkError';
  readonly code: BoxNetworkErrorCode;
  readonly method: string;
  readonly url: string;
  /**
   * False when the failure happened while connecting, so the server cannot have seen the request. Decides whether
   * a non-idempotent call (creating a ZIP) may be retried.
   */
  readonly requestSent: boolean;
  /** The underlying error code (ECONNRESET, UND_ERR_BODY_TIMEOUT, ...), if any. */
  readonly errorCode?: string;

  constructor(method: string, url: string, cause: unknown) {
    const redacted = redactSecrets(url);
    const { code, errorCode, requestSent } = classifyNetworkError(cause);
    const detail = code === 'tls' ? tlsReason(cause, errorCode) : oneLine(cause);
    super(
      `Network ${code === 'other' ? 'error' : code === 'tls' ? 'TLS failure' : code} for ${method} ${pathOf(redacted)}: ${detail || errorCode}`,
      {
        cause,
      },
    );
    this.code = code;
    this.method = method;
    this.url = redacted;
    this.requestSent = requestSent;
    this.errorCode = errorCode;
  }
}

// ---- Signing in ---------------------------------------------------------------------------------------------

export type SignInRequiredCode =
  /** Nobody is signed in. */
  | 'not_signed_in'
  /** The session was signed out (here or in another window) while in use. */
  | 'signed_out'
  /** Box refused the refresh token: the session expired or was revoked. */
  | 'refresh_rejected'
  /** Box refused the client credentials. */
  | 'grant_rejected'
  /** The token provider had no access token. */
  | 'no_token'
  /** Box refused the access token and the provider cannot refresh it. */
  | 'refresh_unavailable'
  /** Box refused the access token even after a refresh. */
  | 'rejected_after_refresh'
  /** The session was issued by another server than the one the settings point at now. */
  | 'origin_changed';

const SIGN_IN_MESSAGES: Record<SignInRequiredCode, string> = {
  not_signed_in: 'Not signed in to Box.',
  signed_out: 'Signed out of Box.',
  refresh_rejected: 'The Box session has expired. Sign in again.',
  grant_rejected: 'Box rejected the client credentials.',
  no_token: 'Sign in to Box again: no access token is available.',
  refresh_unavailable: 'Sign in to Box again: Box refused the access token and it could not be refreshed.',
  rejected_after_refresh: 'Sign in to Box again: Box refused the access token even after refreshing it.',
  origin_changed: 'This Box session was issued by another server. Sign in again.',
};

/** The user has to sign in (again). Never carries a token. */
export class SignInRequiredError extends BoxPullError {
  override readonly name = 'SignInRequiredError';
  /**
   * Whose session failed, set by whoever knows it (TokenProvider.accountId; the VS Code session manager), so a
   * front end with several accounts forgets that one and not whichever happens to be active.
   */
  accountId?: string;

  constructor(
    readonly code: SignInRequiredCode,
    message: string = SIGN_IN_MESSAGES[code],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An OAuth failure: `code` is the OAuth error code (`invalid_grant`, `invalid_client`, `access_denied`, ...) or one
 * of ours (`invalid_response`, `network_error`, `timeout`, `http_error`, `missing_code`,
 * `browser_not_opened`). `invalid_grant` from a refresh means the user must sign in again. `status` is the HTTP
 * status of Box's answer, 0 when there was none. The message never contains a token, secret or code.
 */
export class OAuthError extends BoxPullError {
  override readonly name = 'OAuthError';

  constructor(
    readonly code: string,
    readonly description?: string,
    readonly status = 0,
    options?: { cause?: unknown },
  ) {
    super(
      description ? `Box sign-in failed: ${code} (${description})` : `Box sign-in failed: ${code}`,
      options,
    );
  }
}

/** A Box API or sign-in address Box Pull will not send credentials to (plain http off this machine, not a URL). */
export class AddressError extends BoxPullError {
  override readonly name = 'AddressError';
  readonly code = 'unusable_address';
}

/** Another process held the credentials lock for longer than the wait allows. */
export class LockTimeoutError extends BoxPullError {
  override readonly name = 'LockTimeoutError';
  readonly code = 'lock_timeout';

  constructor(lockPath: string) {
    super(`Timed out waiting for the lock ${lockPath}`);
  }
}

// ---- Archives -----------------------------------------------------------------------------------------------

/**
 * Every failure of `extractZip` is an `ArchiveError` (or an AbortError when the caller cancelled); the pipeline
 * decides by `code` whether a fresh download can help.
 */
export type ArchiveErrorCode =
  | 'truncated'
  | 'invalid'
  | 'crc_mismatch'
  | 'size_mismatch'
  | 'unsupported_compression'
  | 'encrypted'
  | 'zip_bomb'
  | 'too_many_entries'
  | 'unsafe_path'
  | 'symlink'
  | 'duplicate'
  | 'disk_full'
  | 'io';

export class ArchiveError extends BoxPullError {
  override readonly name = 'ArchiveError';
  /** The entry name as stored in the archive, when the failure concerns one entry. */
  readonly entryName?: string;

  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
    options: { entryName?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.entryName !== undefined) this.entryName = options.entryName;
  }
}

/** Streamed entries disagree with the central directory: their files must be discarded and extraction redone. */
export class StreamMismatchError extends BoxPullError {
  override readonly name = 'StreamMismatchError';
  readonly code = 'stream_mismatch';
}

// ---- Pulls --------------------------------------------------------------------------------------------------

/** Why a pull failed, in words a user can act on. `code` lets a front end choose its message and exit code. */
export type PullErrorCode =
  | 'not_found'
  | 'access_denied'
  | 'too_large'
  | 'download_failed'
  | 'archive_invalid'
  | 'incomplete'
  /** The download stayed under the low-speed limit (pull/lowSpeed.ts). */
  | 'too_slow'
  /** Box's download cannot be read as served (a non-HTTP URL, an encoded body): another ZIP would be the same. */
  | 'download_unusable'
  | 'destination'
  | 'sign_in_required';

export class PullError extends BoxPullError {
  override readonly name = 'PullError';

  constructor(
    readonly code: PullErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ---- Network error classification ---------------------------------------------------------------------------

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA']);
/** TLS that failed: OpenSSL's codes, and Node's for certificates. */
const isTlsCode = (code: string): boolean =>
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) || code === 'EPROTO';

/** The cause's message, first line only: OpenSSL's dumps run to several lines of file names and numbers. */
function oneLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return redactSecrets(text.split(/\r?\n/, 1)[0].trim());
}

function tlsReason(cause: unknown, errorCode: string | undefined): string {
  if (errorCode === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(oneLine(cause))) {
    return 'the server does not speak TLS at that https address (is it plain http?)';
  }
  const reason = (cause as { reason?: unknown } | undefined)?.reason;
  return `TLS failed (${typeof reason === 'string' ? reason : (errorCode ?? oneLine(cause))})`;
}
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  ...DNS_CODES,
]);

function classifyNetworkError(cause: unknown): {
  code: BoxNetworkErrorCode;
  errorCode?: string;
  requestSent: boolean;
} {
  const codes = errorCodes(cause);
  const requestSent = !codes.some((code) => CONNECT_PHASE_CODES.has(code));
  const pick = (code: BoxNetworkErrorCode, set: ReadonlySet<string>) => {
    const errorCode = codes.find((candidate) => set.has(candidate));
    return errorCode ? { code, errorCode, requestSent } : undefined;
  };
  return (
    pick('refused', new Set(['ECONNREFUSED'])) ??
    pick('dns', DNS_CODES) ??
    pick('tls', new Set(codes.filter(isTlsCode))) ??
    pick('timeout', TIMEOUT_CODES) ??
    pick('reset', RESET_CODES) ?? { code: 'other', errorCode: codes[0], requestSent }
  );
}

/** Every `code` along the cause chain and inside AggregateErrors (Node's happy-eyeballs connect). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) {
    return [];
  }
  const own = (error as { code?: unknown }).code;
  const codes = typeof own === 'string' ? [own] : [];
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      codes.push(...errorCodes(inner, depth + 1));
    }
  }
  codes.push(...errorCodes((error as { cause?: unknown }).cause, depth + 1));
  return codes;
}

/** The path part of an absolute URL (the host adds nothing for a reader and may be long). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
