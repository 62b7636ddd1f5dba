// The Box API request loop under BoxClient: bearer auth from a TokenProvider with one shared refresh on 401, typed
// errors, retries with jittered backoff that honour Retry-After, connect/idle timeouts, an AbortSignal on every
// request and every wait, and a redacted request log. BoxClient (client.ts) names the endpoints.
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { createRedactingLogger, type Logger, nullLogger, redactSecrets } from '../logger';
import type { BoxClientOptions, TokenProvider } from './client';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, sharedDispatcher } from './dispatcher';
import { abortable, abortError, isAbortError, sleep as defaultSleep, throwIfAborted } from '../abort';
import {
  discard,
  headerValue,
  isTransportError,
  parseHttpUrl,
  readApiError,
  readJson,
  type RequestSpec,
  type RetryMode,
  retryAfterOf,
} from './http';
import { decideRetry, resolveRetryOptions, type RetryOptions, isRetryable } from './retry';
import { assertUsableAddress } from './address';
import { BoxApiError, SignInRequiredError, BoxNetworkError, type SignInRequiredCode } from '../errors';

const DEFAULT_USER_AGENT = 'box-pull';
/** Recently used tokens and ZIP URLs, redacted from every log line as literals too. */
const MAX_REMEMBERED_SECRETS = 16;
const MAX_REMEMBERED_REFRESHES = 4;

export class BoxRequester {
  private readonly apiBase: string;
  private readonly tokens: TokenProvider;
  private readonly log: Logger;
  private readonly retryOptions: RetryOptions;
  private readonly idleTimeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly userAgent: string;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly secrets: string[] = [];
  private readonly pinnedSecrets: string[] = [];
  /** `BoxApi` header value for a client bound to a shared link (BoxClientOptions.sharedLink). */
  private readonly sharedLinkHeader?: string;
  /** The rate window every API request waits on (BoxClient.useRateLimiter). */
  rateLimiter?: BoxClientOptions['rateLimiter'];
  /** Concurrent 401s for the same token share one refresh: Box refresh tokens are single use. */
  private readonly refreshes = new Map<string, Promise<string | undefined>>();

  constructor(options: BoxClientOptions) {
    // Plain http only on loopback: the bearer token must never cross a network in the clear.
    assertUsableAddress(options.baseUrl);
    const base = new URL(options.baseUrl);
    // Tolerate a trailing /2.0 (a common slip: the documented API URL includes it).
    this.apiBase = `${base.origin}${base.pathname}`.replace(/\/+$/, '').replace(/\/2\.0$/, '');
    this.tokens = options.tokenProvider;
    this.log = createRedactingLogger(options.logger ?? nullLogger, () => [
      ...this.pinnedSecrets,
      ...this.secrets,
    ]);
    this.retryOptions = resolveRetryOptions(options.retry);
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.dispatcher =
      options.dispatcher ??
      sharedDispatcher(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, this.idleTimeoutMs);
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.sleep = options.sleep ?? defaultSleep;
    this.rateLimiter = options.rateLimiter;
    if (options.sharedLink) {
      const { url, password } = options.sharedLink;
      // Box reads the header as a query string: the password is encoded, so `&` or `=` in it survive.
      this.sharedLinkHeader =
        `shared_link=${url}` + (password ? `&shared_link_password=${encodeURIComponent(password)}` : '');
      // Pinned: the rolling list of ZIP and file links would push it out during a long pull.
      if (password) this.pinnedSecrets.push(password, encodeURIComponent(password));
    }
  }

  /** `maxBodyBytes`: the most this endpoint's answer can reasonably need (see readJson). */
  getJson<T>(
    path: string,
    query: Record<string, string | string[] | undefined>,
    maxBodyBytes: number,
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
      (response, spec) => readJson<T>(response, spec, maxBodyBytes),
    );
  }

  apiUrl(path: string, query: Record<string, string | string[] | undefined> = {}): URL {
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
  async execute<T>(
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
      // Box counts every API call against the user's budget, a retry as much as a first try.
      const gate = spec.authenticated ? this.rateLimiter : undefined;
      if (gate) await (spec.queued ? spec.queued((s) => gate.take(s)) : gate.take(signal));
      const outcome = await this.attempt(spec, token, onSuccess);
      if (outcome.kind === 'success') {
        return outcome.value;
      }
      if (outcome.kind === 'unauthorized') {
        if (refreshed) {
          throw this.signInRequired('rejected_after_refresh');
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
      const redirect =
        spec.redirectIsAnswer === true && response.statusCode >= 300 && response.statusCode < 400;
      if ((response.statusCode >= 200 && response.statusCode < 300) || redirect) {
        const value = await onSuccess(response, spec);
        this.logResponse(spec, response.statusCode, Date.now() - started, requestId);
        return { kind: 'success', value };
      }
      const failure = await readApiError(response, spec);
      this.logResponse(spec, response.statusCode, Date.now() - started, failure.requestId ?? requestId);
      return { kind: 'failure', failure };
    } catch (err) {
      if (spec.signal?.aborted) {
        throw abortError(spec.signal);
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
    const headers: Record<string, string> = { ...spec.headers, 'user-agent': this.userAgent };
    if (token !== undefined) {
      headers.authorization = `Bearer ${token}`;
      // Only with the token: the link reaches Box's API, never the download hosts.
      if (this.sharedLinkHeader) headers.boxapi = this.sharedLinkHeader;
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

  private signInRequired(code: SignInRequiredCode): SignInRequiredError {
    const error = new SignInRequiredError(code);
    error.accountId = this.tokens.accountId;
    return error;
  }

  private async accessToken(signal: AbortSignal | undefined): Promise<string> {
    throwIfAborted(signal);
    const token = await this.tokens.getAccessToken(signal);
    if (!token) {
      throw this.signInRequired('no_token');
    }
    this.rememberSecret(token);
    return token;
  }

  private async refreshedToken(refused: string, signal: AbortSignal | undefined): Promise<string> {
    const provider = this.tokens;
    if (!provider.refreshAccessToken) {
      throw this.signInRequired('refresh_unavailable');
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
    const fresh = await abortable(pending, signal);
    if (!fresh) {
      throw this.signInRequired('refresh_unavailable');
    }
    this.rememberSecret(fresh);
    return fresh;
  }

  /**
   * The status URL comes from Box's answer and gets the bearer token, so it must point at the API origin or at a
   * Box host over HTTPS; anything else would leak the token.
   */
  trustedForToken(statusUrl: string): URL {
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
  guardStream(body: Readable, spec: RequestSpec): Readable {
    const guarded = new PassThrough({ highWaterMark: 1024 * 1024 });
    body.on('error', (err: unknown) => {
      if (spec.signal?.aborted) {
        guarded.destroy(abortError(spec.signal));
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

  rememberSecret(secret: string): void {
    if (secret && !this.secrets.includes(secret)) {
      this.secrets.push(secret);
      if (this.secrets.length > MAX_REMEMBERED_SECRETS) {
        this.secrets.shift();
      }
    }
  }
}
