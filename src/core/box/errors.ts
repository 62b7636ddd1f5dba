// Typed failures of the Box client. Every message is one line a person can act on, and never contains a token or
// a ZIP URL: URLs are redacted before they are stored or printed.
import { redactSecrets } from '../logger';

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

/** Box answered with an HTTP error status. */
export class BoxApiError extends Error {
  override readonly name = 'BoxApiError';
  readonly status: number;
  readonly code?: string;
  readonly boxMessage?: string;
  readonly requestId?: string;
  readonly helpUrl?: string;
  readonly retryAfterMs?: number;
  readonly contextInfo?: unknown;
  readonly method: string;
  readonly url: string;

  constructor(details: BoxApiErrorDetails) {
    const url = redactUrl(details.url);
    const boxMessage = details.boxMessage === undefined ? undefined : redactSecrets(details.boxMessage);
    const code = details.code ? ` ${details.code}` : '';
    const said = boxMessage ? `: ${boxMessage}` : '';
    const id = details.requestId ? ` (request id ${details.requestId})` : '';
    super(`Box answered ${details.status}${code} for ${details.method} ${pathOf(url)}${said}${id}`);
    this.status = details.status;
    this.code = details.code;
    this.boxMessage = boxMessage;
    this.requestId = details.requestId;
    this.helpUrl = details.helpUrl;
    this.retryAfterMs = details.retryAfterMs;
    this.contextInfo = details.contextInfo;
    this.method = details.method;
    this.url = url;
  }
}

export type BoxNetworkErrorKind = 'timeout' | 'reset' | 'refused' | 'dns' | 'other';

/** The request never got a complete answer: timeout, reset, refused connection, DNS failure, ... */
export class BoxNetworkError extends Error {
  override readonly name = 'BoxNetworkError';
  readonly kind: BoxNetworkErrorKind;
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
    const redacted = redactUrl(url);
    const { kind, errorCode, requestSent } = classifyNetworkError(cause);
    const detail = cause instanceof Error ? redactSecrets(cause.message) : String(cause);
    super(
      `Network ${kind === 'other' ? 'error' : kind} for ${method} ${pathOf(redacted)}: ${detail || errorCode}`,
      {
        cause,
      },
    );
    this.kind = kind;
    this.method = method;
    this.url = redacted;
    this.requestSent = requestSent;
    this.errorCode = errorCode;
  }
}

export type BoxAuthErrorReason = 'no-token' | 'refresh-unavailable' | 'rejected-after-refresh';

/** The user has to sign in (again): there is no token, it cannot be refreshed, or Box refuses the fresh one. */
export class BoxAuthError extends Error {
  override readonly name = 'BoxAuthError';
  readonly reason: BoxAuthErrorReason;

  constructor(reason: BoxAuthErrorReason, options?: { cause?: unknown }) {
    super(`Sign in to Box again: ${AUTH_REASONS[reason]}`, options);
    this.reason = reason;
  }
}

const AUTH_REASONS: Record<BoxAuthErrorReason, string> = {
  'no-token': 'no access token is available.',
  'refresh-unavailable': 'Box refused the access token and it could not be refreshed.',
  'rejected-after-refresh': 'Box refused the access token even after refreshing it.',
};

const RETRYABLE_NETWORK_KINDS: ReadonlySet<BoxNetworkErrorKind> = new Set(['timeout', 'reset', 'refused']);

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
    return RETRYABLE_NETWORK_KINDS.has(err.kind);
  }
  return false;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA']);
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  ...DNS_CODES,
]);

function classifyNetworkError(cause: unknown): {
  kind: BoxNetworkErrorKind;
  errorCode?: string;
  requestSent: boolean;
} {
  const codes = errorCodes(cause);
  const requestSent = !codes.some((code) => CONNECT_PHASE_CODES.has(code));
  const pick = (kind: BoxNetworkErrorKind, set: ReadonlySet<string>) => {
    const errorCode = codes.find((code) => set.has(code));
    return errorCode ? { kind, errorCode, requestSent } : undefined;
  };
  return (
    pick('refused', new Set(['ECONNREFUSED'])) ??
    pick('dns', DNS_CODES) ??
    pick('timeout', TIMEOUT_CODES) ??
    pick('reset', RESET_CODES) ?? { kind: 'other', errorCode: codes[0], requestSent }
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

/** A URL with secrets removed; if it does not parse it is still redacted as text. */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/** The path part of an absolute URL (the host adds nothing for a reader and may be long). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
