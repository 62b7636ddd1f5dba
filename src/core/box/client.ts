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
  discard,
  fileNameFromDisposition,
  headerValue,
  invalidResponse,
  isTransportError,
  parseHttpUrl,
  raceAbort,
  readApiError,
  readJson,
  redactZipUrl,
  type RequestSpec,
  type RetryMode,
  retryAfterOf,
  throwIfAborted,
} from './http';
import { decideRetry, resolveRetryOptions, type RetryOptions, sleep as defaultSleep } from './retry';
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
export { fileNameFromDisposition } from './http';

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
  /**
   * E.g. from createDispatcher with proxy settings; default: a shared keep-alive Agent (honours *_PROXY). A given
   * dispatcher brings its own connect timeout; the idle timeout is applied per request either way.
   */
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
/** Recently used tokens and ZIP URLs, redacted from every log line as literals too. */
const MAX_REMEMBERED_SECRETS = 16;
const MAX_REMEMBERED_REFRESHES = 4;

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
    // Tolerate a trailing /2.0 (a common slip: the documented API URL includes it).
    this.apiBase = `${base.origin}${base.pathname}`.replace(/\/+$/, '').replace(/\/2\.0$/, '');
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
    const seen = new Set<string>();
    do {
      const page = await this.listFolderItems(id, { ...options, marker });
      yield* page.entries;
      marker = page.nextMarker ?? undefined;
      // A server that hands back a marker twice would keep this loop going forever.
      if (marker !== undefined && seen.has(marker)) {
        throw new Error(`Box repeated a paging marker while listing folder ${id}.`);
      }
      if (marker !== undefined) {
        seen.add(marker);
      }
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
      async (response, spec) => {
        const answer = await readJson<ZipDownload>(response, spec);
        if (typeof answer?.download_url !== 'string' || typeof answer.status_url !== 'string') {
          throw invalidResponse(response, spec, 'the ZIP answer has no download_url or status_url');
        }
        return answer;
      },
    );
    this.rememberSecret(zip.download_url);
    this.rememberSecret(zip.status_url);
    return { ...zip, name_conflicts: zip.name_conflicts ?? [] };
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
    if (secret && !this.secrets.includes(secret)) {
      this.secrets.push(secret);
      if (this.secrets.length > MAX_REMEMBERED_SECRETS) {
        this.secrets.shift();
      }
    }
  }
}
