// Request and response plumbing for BoxClient: the request description, reading JSON and Box's error bodies,
// header access, and the small abort helpers. Kept apart so client.ts reads as the request policy alone.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { redactSecrets } from '../logger';
import { parseRetryAfter } from './retry';
import { BoxApiError, type BoxClientProblemCode, type BoxNetworkError } from '../errors';

/** Error bodies are read only this far: they are small JSON, and a proxy's HTML page is not worth more. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export type RetryMode = 'idempotent' | 'create' | 'never';

export interface RequestSpec {
  method: 'GET' | 'POST';
  url: URL;
  /** What logs and errors show instead of the URL (ZIP URLs are secrets). */
  displayUrl: string;
  authenticated: boolean;
  retryMode: RetryMode;
  body?: unknown;
  signal?: AbortSignal;
  /** Extra request headers (`range`). */
  headers?: Record<string, string>;
  /** A 3xx is the answer (file content's 302 to the download host), handed to the success handler. */
  redirectIsAnswer?: boolean;
  /** Takes each turn in the rate window through the caller (`take`), e.g. to keep the wait out of a time budget. */
  queued?: RateTurn;
}

/** Waits for a turn in the client's rate window; `take`'s signal (not the request's) cancels that wait. */
export type RateTurn = (take: (signal?: AbortSignal) => Promise<void>) => Promise<void>;

/**
 * The JSON body of a 2xx answer, read no further than `maxBytes`: a body that never ends (or is absurdly large for
 * its endpoint) would otherwise be held in memory whole. An oversized body is a `response_too_large` BoxApiError,
 * which the request loop does not retry: the same server would send the same body again.
 */
export async function readJson<T>(
  response: Dispatcher.ResponseData,
  spec: RequestSpec,
  maxBytes: number,
): Promise<T> {
  const tooLarge = () =>
    invalidResponse(
      response,
      spec,
      `the answer is larger than ${formatBytes(maxBytes)}, far more than this request needs`,
      'response_too_large',
    );
  const declared = Number(headerValue(response.headers, 'content-length'));
  if (declared > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const { bytes, complete } = await readUpTo(response.body, maxBytes);
  if (!complete) {
    throw tooLarge();
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw invalidResponse(response, spec, 'the response is not valid JSON');
  }
}

function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Math.round(mb * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** A 2xx answer the client cannot use (truncated or foreign body): typed, and not retried. */
export function invalidResponse(
  response: Dispatcher.ResponseData,
  spec: RequestSpec,
  problem: string,
  code: BoxClientProblemCode = 'invalid_response',
): BoxApiError {
  return new BoxApiError({
    status: response.statusCode,
    method: spec.method,
    url: spec.displayUrl,
    code,
    boxMessage: problem,
    requestId: headerValue(response.headers, 'box-request-id'),
  });
}

/** Box's ClientError body when there is one; an empty or non-JSON body (401s, proxies) still gives a typed error. */
export async function readApiError(
  response: Dispatcher.ResponseData,
  spec: RequestSpec,
): Promise<BoxApiError> {
  const text = await readUpTo(response.body, MAX_ERROR_BODY_BYTES).then(
    ({ bytes }) => bytes.subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8'),
    () => '',
  );
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      parsed = value as Record<string, unknown>;
    }
  } catch {
    // Not JSON: the status alone has to do.
  }
  const string = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  return new BoxApiError({
    status: response.statusCode,
    method: spec.method,
    url: spec.displayUrl,
    code: string(parsed.code) ?? string(parsed.error),
    boxMessage: string(parsed.message) ?? string(parsed.error_description),
    requestId: string(parsed.request_id) ?? headerValue(response.headers, 'box-request-id'),
    helpUrl: string(parsed.help_url),
    retryAfterMs: parseRetryAfter(response.headers['retry-after']),
    contextInfo: parsed.context_info ?? undefined,
  });
}

/**
 * The body up to `maxBytes` (plus at most the chunk that crossed it). `complete` is false when the body went past
 * the limit: reading stopped there and the connection was closed rather than drained.
 */
async function readUpTo(body: Readable, maxBytes: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      return { bytes: Buffer.concat(chunks), complete: false };
    }
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

export async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump().catch(() => undefined);
}

export function retryAfterOf(failure: BoxApiError | BoxNetworkError): number | undefined {
  return failure instanceof BoxApiError ? failure.retryAfterMs : undefined;
}

/** Codes of programming errors (bad arguments), which must surface as they are rather than as network trouble. */
const PROGRAMMING_ERROR_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_URL',
]);

/** undici, socket and TLS errors (they all carry a `code`), as opposed to bugs that must not be retried. */
export function isTransportError(err: unknown): boolean {
  if (err instanceof AggregateError) {
    return true;
  }
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length > 0 && !PROGRAMMING_ERROR_CODES.has(code);
}

export function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

export function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`The ${what} is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`The ${what} must be http(s).`);
  }
  return url;
}

/** A ZIP URL for logs: Box's `/zip_downloads/<id>/...` form is redacted in place; any other form loses its path. */
export function redactZipUrl(url: URL): string {
  const redacted = redactSecrets(url.pathname);
  return redacted === url.pathname ? `${url.origin}/[redacted]` : `${url.origin}${redacted}`;
}
