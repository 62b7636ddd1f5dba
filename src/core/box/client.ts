// The Box API client: bearer auth from a TokenProvider with one refresh on 401, typed errors, retries with jittered
// backoff that honour Retry-After, connect/idle timeouts, and an AbortSignal on every request and every wait.
// It knows nothing about VS Code; the host passes in tokens, a logger and (for proxies) a dispatcher.
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { createRedactingLogger, type Logger, nullLogger, redactSecrets } from '../logger';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, sharedDispatcher } from './dispatcher';
import {
  abortErrorFrom,
  BoxApiError,
  BoxAuthError,
  BoxNetworkError,
  isAbortError,
  isRetryable,
} from './errors';
import {
  decideRetry,
  parseRetryAfter,
  resolveRetryOptions,
  type RetryOptions,
  sleep as defaultSleep,
} from './retry';
import type {
  BoxFile,
  BoxFolder,
  BoxItem,
  BoxUser,
  ItemsPage,
  ZipDownload,
  ZipDownloadRequest,
  ZipDownloadStatus,
} from './types';

export { createDispatcher, type DispatcherOptions } from './dispatcher';

export interface TokenProvider {
  /** The access token to send now. */
  getAccessToken(signal?: AbortSignal): Promise<string>;
  /** Called once after a 401 with the token that was refused. Returns a fresh token, or undefined if none. */
  refreshAccessToken?(refused: string, signal?: AbortSignal): Promise<string | undefined>;
}

export interface BoxClientOptions {
  /** API origin WITHOUT /2.0, e.g. https://api.box.com or http://127.0.0.1:PORT. */
  baseUrl: string;
  tokenProvider: TokenProvider;
  logger?: Logger;
  retry?: Partial<RetryOptions>;
  /** Default 15 s. */
  connectTimeoutMs?: number;
  /** Longest wait for response headers or between body chunks; default 60 s. */
  idleTimeoutMs?: number;
  /** E.g. from createDispatcher with proxy settings; default: a shared keep-alive Agent (honours *_PROXY). */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Waits between retries; must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What a tree and a download planner need to know about each item. */
export const DEFAULT_ITEM_FIELDS: string[] = [
  'type',
  'id',
  'etag',
  'sequence_id',
  'name',
  'size',
  'modified_at',
  'content_modified_at',
  'sha1',
  'item_status',
  'permissions',
];

const DEFAULT_USER_AGENT = 'box-pull';
const MAX_PAGE_LIMIT = 1000;
/** Error bodies are read only this far: they are small JSON, and a proxy's HTML page is not worth more. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Recently used tokens and ZIP URLs, redacted from every log line as literals too. */
const MAX_REMEMBERED_SECRETS = 16;
const MAX_REMEMBERED_REFRESHES = 4;

type RetryMode = 'idempotent' | 'create' | 'never';

interface RequestSpec {
  method: 'GET' | 'POST';
  url: URL;
  /** What logs and errors show instead of the URL (ZIP URLs are secrets). */
  displayUrl: string;
  authenticated: boolean;
  retryMode: RetryMode;
  body?: unknown;
  signal?: AbortSignal;
}

export class BoxClient {
  private readonly apiBase: string;
  private readonly tokens: TokenProvider;
  private readonly log: Logger;
  private readonly retryOptions: RetryOptions;
  private readonly idleTimeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly userAgent: string;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly secrets: string[] = [];
  /** Concurrent 401s for the same token share one refresh: Box refresh tokens are single use. */
  private readonly refreshes = new Map<string, Promise<string | undefined>>();

  constructor(options: BoxClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new TypeError(`Box API URL must be http(s): ${base.protocol}`);
    }
    this.apiBase = base.href.replace(/\/+$/, '');
    this.tokens = options.tokenProvider;
    this.log = createRedactingLogger(options.logger ?? nullLogger, () => this.secrets);
    this.retryOptions = resolveRetryOptions(options.retry);
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.dispatcher =
      options.dispatcher ??
      sharedDispatcher(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, this.idleTimeoutMs);
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async getFolder(id: string, options: { fields?: string[]; signal?: AbortSignal } = {}): Promise<BoxFolder> {
    return this.getJson<BoxFolder>(
      `/folders/${encodeURIComponent(id)}`,
      { fields: options.fields },
      options.signal,
    );
  }

  /** One page in marker mode (`usemarker=true`); `nextMarker` is null after the last page. */
  async listFolderItems(
    id: string,
    options: { marker?: string; limit?: number; fields?: string[]; signal?: AbortSignal } = {},
  ): Promise<{ entries: BoxItem[]; nextMarker: string | null }> {
    const limit = Math.max(1, Math.min(MAX_PAGE_LIMIT, Math.floor(options.limit ?? MAX_PAGE_LIMIT)));
    const page = await this.getJson<ItemsPage>(
      `/folders/${encodeURIComponent(id)}/items`,
      {
        usemarker: 'true',
        limit: String(limit),
        marker: options.marker || undefined,
        fields: options.fields ?? DEFAULT_ITEM_FIELDS,
      },
      options.signal,
    );
    return { entries: page.entries ?? [], nextMarker: page.next_marker || null };
  }

  /** Every item of a folder, fetching pages of 1000 as the caller consumes them. */
  async *iterateFolderItems(
    id: string,
    options: { fields?: string[]; signal?: AbortSignal } = {},
  ): AsyncIterable<BoxItem> {
    let marker: string | undefined;
    do {
      const page = await this.listFolderItems(id, { ...options, marker });
      yield* page.entries;
      marker = page.nextMarker ?? undefined;
    } while (marker);
  }

  async getFile(id: string, options: { fields?: string[]; signal?: AbortSignal } = {}): Promise<BoxFile> {
    return this.getJson<BoxFile>(
      `/files/${encodeURIComponent(id)}`,
      { fields: options.fields },
      options.signal,
    );
  }

  async getCurrentUser(options: { fields?: string[]; signal?: AbortSignal } = {}): Promise<BoxUser> {
    return this.getJson<BoxUser>('/users/me', { fields: options.fields }, options.signal);
  }

  /**
   * POST /zip_downloads. A 202 is final: every POST creates a new archive, so a success is never repeated.
   * Failures are retried only when no archive can exist: 429 and 5xx answers (Box refused or failed the request)
   * and connection failures before the request was sent. A reset or timeout after sending is not retried, since
   * Box may have created the ZIP; the caller's restart creates a fresh one and the orphan simply expires.
   */
  async createZipDownload(
    request: ZipDownloadRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<ZipDownload> {
    const body: Record<string, unknown> = { items: request.items };
    if (request.downloadFileName !== undefined) {
      body.download_file_name = request.downloadFileName;
    }
    const url = this.apiUrl('/zip_downloads');
    const zip = await this.execute<ZipDownload>(
      {
        method: 'POST',
        url,
        displayUrl: url.pathname,
        authenticated: true,
        retryMode: 'create',
        body,
        signal: options.signal,
      },
      (response, spec) => readJson<ZipDownload>(response, spec),
    );
    this.rememberSecret(zip.download_url);
    this.rememberSecret(zip.status_url);
    return zip;
  }

  /**
   * GET the ZIP's status_url (with auth). A 404 before the download started is normal on Box; it surfaces as a
   * BoxApiError with status 404 and the caller decides.
   */
  async getZipDownloadStatus(
    statusUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ZipDownloadStatus> {
    const url = this.trustedForToken(statusUrl);
    this.rememberSecret(statusUrl);
    return this.execute<ZipDownloadStatus>(
      {
        method: 'GET',
        url,
        displayUrl: redactZipUrl(url),
        authenticated: true,
        retryMode: 'idempotent',
        signal: options.signal,
      },
      (response, spec) => readJson<ZipDownloadStatus>(response, spec),
    );
  }

  /**
   * GET the ZIP's download_url as-is, without Authorization (it lives on another origin and needs none). Never
   * retried: the URL is single use, so the caller restarts with a new ZIP. The body errors out after
   * `idleTimeoutMs` without data, and its errors are BoxNetworkErrors (or the abort reason).
   */
  async openZipDownloadContent(
    downloadUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ body: Readable; fileName?: string; contentLength?: number }> {
    const url = parseHttpUrl(downloadUrl, 'ZIP download URL');
    this.rememberSecret(downloadUrl);
    const spec: RequestSpec = {
      method: 'GET',
      url,
      displayUrl: redactZipUrl(url),
      authenticated: false,
      retryMode: 'never',
      signal: options.signal,
    };
    return this.execute(spec, async (response) => {
      const length = Number(headerValue(response.headers, 'content-length'));
      return {
        body: this.guardStream(response.body, spec),
        fileName: fileNameFromDisposition(headerValue(response.headers, 'content-disposition')),
        contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      };
    });
  }

  private getJson<T>(
    path: string,
    query: Record<string, string | string[] | undefined>,
    signal?: AbortSignal,
  ) {
    const url = this.apiUrl(path, query);
    return this.execute<T>(
      {
        method: 'GET',
        url,
        displayUrl: redactSecrets(url.pathname + url.search),
        authenticated: true,
        retryMode: 'idempotent',
        signal,
      },
      (response, spec) => readJson<T>(response, spec),
    );
  }

  private apiUrl(path: string, query: Record<string, string | string[] | undefined> = {}): URL {
    const url = new URL(`${this.apiBase}/2.0${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) {
        url.searchParams.set(name, Array.isArray(value) ? value.join(',') : value);
      }
    }
    return url;
  }

  /**
   * The request loop: authenticate, send, map the answer, refresh once on 401, retry per policy. `onSuccess` runs
   * inside the loop so a body that times out while being read is retried like any other network failure.
   */
  private async execute<T>(
    spec: RequestSpec,
    onSuccess: (response: Dispatcher.ResponseData, spec: RequestSpec) => Promise<T>,
  ): Promise<T> {
    const { signal } = spec;
    const started = Date.now();
    let token = spec.authenticated ? await this.accessToken(signal) : undefined;
    let refreshed = false;
    let attempts = 0;
    let previousDelayMs: number | undefined;
    for (;;) {
      throwIfAborted(signal);
      attempts += 1;
      const outcome = await this.attempt(spec, token, onSuccess);
      if (outcome.kind === 'success') {
        return outcome.value;
      }
      if (outcome.kind === 'unauthorized') {
        if (refreshed) {
          throw new BoxAuthError('rejected-after-refresh');
        }
        token = await this.refreshedToken(token as string, signal);
        refreshed = true;
        attempts -= 1; // The refused token was not the server's fault; this retry is free.
        continue;
      }
      const { failure } = outcome;
      const decision = decideRetry(
        { attempts, elapsedMs: Date.now() - started, previousDelayMs },
        { retryable: this.mayRetry(spec.retryMode, failure), retryAfterMs: retryAfterOf(failure) },
        this.retryOptions,
      );
      if (!decision.retry) {
        if (attempts > 1) {
          failure.message += ` (gave up after ${attempts} attempts)`;
        }
        throw failure;
      }
      this.log.debug(
        `Retrying ${spec.method} ${spec.displayUrl} in ${decision.delayMs} ms` +
          ` (${decision.reason}, attempt ${attempts + 1} of ${this.retryOptions.maxAttempts})`,
      );
      previousDelayMs = decision.delayMs;
      await this.sleep(decision.delayMs, signal);
    }
  }

  /** One round trip, with every way it can end turned into a value; only aborts and bugs throw. */
  private async attempt<T>(
    spec: RequestSpec,
    token: string | undefined,
    onSuccess: (response: Dispatcher.ResponseData, spec: RequestSpec) => Promise<T>,
  ): Promise<
    | { kind: 'success'; value: T }
    | { kind: 'unauthorized' }
    | { kind: 'failure'; failure: BoxApiError | BoxNetworkError }
  > {
    const started = Date.now();
    try {
      const response = await this.send(spec, token);
      const requestId = headerValue(response.headers, 'box-request-id');
      if (response.statusCode === 401 && token !== undefined) {
        await discard(response.body);
        this.logResponse(spec, 401, Date.now() - started, requestId);
        return { kind: 'unauthorized' };
      }
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const value = await onSuccess(response, spec);
        this.logResponse(spec, response.statusCode, Date.now() - started, requestId);
        return { kind: 'success', value };
      }
      const failure = await readApiError(response, spec);
      this.logResponse(spec, response.statusCode, Date.now() - started, failure.requestId ?? requestId);
      return { kind: 'failure', failure };
    } catch (err) {
      if (spec.signal?.aborted) {
        throw abortErrorFrom(spec.signal);
      }
      if (err instanceof BoxApiError || isAbortError(err) || !isTransportError(err)) {
        throw err;
      }
      const failure = new BoxNetworkError(spec.method, spec.displayUrl, err);
      this.log.debug(
        `${spec.method} ${spec.displayUrl} failed after ${Date.now() - started} ms: ${failure.message}`,
      );
      return { kind: 'failure', failure };
    }
  }

  private mayRetry(mode: RetryMode, failure: BoxApiError | BoxNetworkError): boolean {
    switch (mode) {
      case 'idempotent':
        return isRetryable(failure);
      case 'create':
        return isRetryable(failure) && (failure instanceof BoxApiError || !failure.requestSent);
      case 'never':
        return false;
    }
  }

  private send(spec: RequestSpec, token: string | undefined): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (token !== undefined) {
      headers.authorization = `Bearer ${token}`;
    }
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    if (spec.retryMode !== 'never') {
      headers.accept = 'application/json';
    }
    return this.dispatcher.request({
      origin: spec.url.origin,
      path: spec.url.pathname + spec.url.search,
      method: spec.method,
      headers,
      body,
      signal: spec.signal,
      headersTimeout: this.idleTimeoutMs,
      bodyTimeout: this.idleTimeoutMs,
    });
  }

  private async accessToken(signal: AbortSignal | undefined): Promise<string> {
    throwIfAborted(signal);
    const token = await this.tokens.getAccessToken(signal);
    if (!token) {
      throw new BoxAuthError('no-token');
    }
    this.rememberSecret(token);
    return token;
  }

  private async refreshedToken(refused: string, signal: AbortSignal | undefined): Promise<string> {
    const provider = this.tokens;
    if (!provider.refreshAccessToken) {
      throw new BoxAuthError('refresh-unavailable');
    }
    let pending = this.refreshes.get(refused);
    if (!pending) {
      this.log.debug('Box refused the access token; refreshing it once');
      // The shared refresh gets no signal: one caller's cancel must not fail the others. Each caller still stops
      // waiting as soon as its own signal aborts.
      // A settled refresh stays remembered (a few of them), so a 401 that arrives after the refresh finished reuses
      // its token instead of spending the new refresh token; a failed one is forgotten so a later call can retry.
      pending = provider.refreshAccessToken(refused);
      pending.catch(() => this.refreshes.delete(refused));
      this.refreshes.set(refused, pending);
      if (this.refreshes.size > MAX_REMEMBERED_REFRESHES) {
        this.refreshes.delete(this.refreshes.keys().next().value as string);
      }
    }
    const fresh = await raceAbort(pending, signal);
    if (!fresh) {
      throw new BoxAuthError('refresh-unavailable');
    }
    this.rememberSecret(fresh);
    return fresh;
  }

  /**
   * The status URL comes from Box's answer and gets the bearer token, so it must point at the API origin or at a
   * Box host over HTTPS; anything else would leak the token.
   */
  private trustedForToken(statusUrl: string): URL {
    const url = parseHttpUrl(statusUrl, 'ZIP status URL');
    const api = new URL(this.apiBase);
    const boxHost =
      url.protocol === 'https:' && (url.hostname === 'box.com' || url.hostname.endsWith('.box.com'));
    if (url.origin !== api.origin && !boxHost) {
      throw new Error(
        `Refusing to send the Box token to ${url.origin}: the ZIP status URL is not on a Box host.`,
      );
    }
    return url;
  }

  /** Passes the body through, turning transport errors into BoxNetworkErrors (aborts stay aborts). */
  private guardStream(body: Readable, spec: RequestSpec): Readable {
    const guarded = new PassThrough({ highWaterMark: 1024 * 1024 });
    body.on('error', (err: unknown) => {
      if (spec.signal?.aborted) {
        guarded.destroy(abortErrorFrom(spec.signal));
      } else {
        guarded.destroy(
          isAbortError(err) ? (err as Error) : new BoxNetworkError(spec.method, spec.displayUrl, err),
        );
      }
    });
    // A consumer that stops early (destroys the stream) releases the connection too.
    guarded.on('close', () => {
      if (!body.destroyed) {
        body.destroy();
      }
    });
    body.pipe(guarded);
    return guarded;
  }

  private logResponse(
    spec: RequestSpec,
    status: number,
    durationMs: number,
    requestId: string | undefined,
  ): void {
    const id = requestId ? `, request id ${requestId}` : '';
    this.log.debug(`${spec.method} ${spec.displayUrl} → ${status} (${durationMs} ms${id})`);
  }

  private rememberSecret(secret: string): void {
    if (!this.secrets.includes(secret)) {
      this.secrets.push(secret);
      if (this.secrets.length > MAX_REMEMBERED_SECRETS) {
        this.secrets.shift();
      }
    }
  }
}

async function readJson<T>(response: Dispatcher.ResponseData, spec: RequestSpec): Promise<T> {
  const text = await response.body.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new BoxApiError({
      status: response.statusCode,
      method: spec.method,
      url: spec.displayUrl,
      code: 'invalid_response',
      boxMessage: 'the response is not valid JSON',
      requestId: headerValue(response.headers, 'box-request-id'),
    });
  }
}

/** Box's ClientError body when there is one; an empty or non-JSON body (401s, proxies) still gives a typed error. */
async function readApiError(response: Dispatcher.ResponseData, spec: RequestSpec): Promise<BoxApiError> {
  const text = await readLimited(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
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

async function readLimited(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    size += buffer.length;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump().catch(() => undefined);
}

function retryAfterOf(failure: BoxApiError | BoxNetworkError): number | undefined {
  return failure instanceof BoxApiError ? failure.retryAfterMs : undefined;
}

/** undici and Node socket errors, as opposed to programming errors that must not be retried. */
function isTransportError(err: unknown): boolean {
  if (!(err instanceof Error)) {
    return false;
  }
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && code.length > 0) || err instanceof AggregateError;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw abortErrorFrom(signal);
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) {
    return promise;
  }
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

function parseHttpUrl(text: string, what: string): URL {
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
function redactZipUrl(url: URL): string {
  const redacted = redactSecrets(url.pathname);
  return redacted === url.pathname ? `${url.origin}/[redacted]` : `${url.origin}${redacted}`;
}

/** `attachment;filename="Avatars.zip";filename*=UTF-8''Avatars.zip`: the RFC 5987 form wins when present. */
export function fileNameFromDisposition(header: string | undefined): string | undefined {
  if (!header) {
    return undefined;
  }
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim());
    } catch {
      // Fall back to the plain parameter.
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;]+))/i.exec(header);
  if (!plain) {
    return undefined;
  }
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim();
}
