// The Box API client: one method per endpoint the extension uses (folders, files, the user, ZIP downloads). The
// request loop under it (requester.ts) does auth, retries, timeouts and logging. It knows nothing about VS Code;
// the host passes in tokens, a logger and (for proxies) a dispatcher.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Logger } from '../logger';
import { sleep as defaultSleep } from '../abort';
import {
  headerValue,
  invalidResponse,
  parseHttpUrl,
  readJson,
  redactZipUrl,
  type RateTurn,
  type RequestSpec,
} from './http';
import { BoxRequester } from './requester';
import type { RetryOptions } from './retry';
import { BoxApiError, type BoxClientProblemCode } from '../errors';
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

export interface TokenProvider {
  /** The access token to send now. */
  getAccessToken(signal?: AbortSignal): Promise<string>;
  /** Called once after a 401 with the token that was refused. Returns a fresh token, or undefined if none. */
  refreshAccessToken?(refused: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Whose session this is; the SignInRequiredErrors the client raises for it carry it (`accountId`). */
  accountId?: string;
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
  /** Sends `BoxApi: shared_link=…[&shared_link_password=…]` on every API request (see withSharedLink). */
  sharedLink?: SharedLinkCredentials;
  /** Every API request (not download hosts), retries included, waits its turn here: Box's per-user rate window. */
  rateLimiter?: CallGate;
}

/** Lets API calls out no faster than a budget allows (pull/rateLimit.ts's RateLimiter). */
export interface CallGate {
  take(signal?: AbortSignal): Promise<void>;
}

/** A shared link and its password, if it has one. The password is a secret: redacted from every log line. */
export interface SharedLinkCredentials {
  url: string;
  password?: string;
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

const MAX_PAGE_LIMIT = 1000;
/** 202 "not ready" answers for one file's content before giving up, and the longest single wait. */
const MAX_NOT_READY_WAITS = 10;
const MAX_NOT_READY_WAIT_MS = 30_000;

const MB = 1024 * 1024;
/**
 * How large each endpoint's JSON answer may get before the client stops reading: generous (16 KB for each item of a
 * full page of 1,000), but a body that never ends fails instead of filling memory.
 */
export const MAX_BODY_BYTES = {
  page: 16 * MB,
  /** A folder or file, which may carry a first page of its children. */
  item: 4 * MB,
  user: 1 * MB,
  /** The ZIP's answer lists its name conflicts, up to one per file. */
  zip: 16 * MB,
  zipStatus: 1 * MB,
};

/** Empty pages that still promise more, in a row, before a listing is judged endless. */
const MAX_EMPTY_PAGES = 3;
/** Pages of one folder listing, whatever the server says: a million items at full pages. */
const MAX_LISTING_PAGES = 1000;
/** Pages beyond total_count's share that a listing may take before it is judged endless. */
const TOTAL_COUNT_SLACK_PAGES = 2;

export class BoxClient {
  private readonly http: BoxRequester;

  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The API's origin (`https://api.box.com`): what a pull's state file is tied to. */
  readonly apiOrigin: string;

  constructor(private options: BoxClientOptions) {
    this.http = new BoxRequester(options);
    this.apiOrigin = new URL(options.baseUrl).origin;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** The shared link this client is bound to, if any. */
  get sharedLink(): SharedLinkCredentials | undefined {
    return this.options.sharedLink;
  }

  /** A client like this one that reaches items through a shared link: every API request carries the header. */
  withSharedLink(link: SharedLinkCredentials): BoxClient {
    return new BoxClient({ ...this.options, sharedLink: link });
  }

  /** The rate window every API request of this client waits on, if any. */
  get rateLimiter(): CallGate | undefined {
    return this.http.rateLimiter;
  }

  /**
   * From now on every API request of this client, and of the shared-link copies made from it, waits on `limiter`.
   * The client itself, not a copy, so that every user of it (and any subclass) shares the one window.
   */
  useRateLimiter(limiter: CallGate): void {
    this.options = { ...this.options, rateLimiter: limiter };
    this.http.rateLimiter = limiter;
  }

  /** GET /shared_items: the file or folder a shared link points at (needs a client bound to the link). */
  async getSharedItem(
    options: { fields?: string[]; signal?: AbortSignal } = {},
  ): Promise<BoxFile | BoxFolder> {
    return this.http.getJson<BoxFile | BoxFolder>(
      '/shared_items',
      { fields: options.fields },
      MAX_BODY_BYTES.item,
      options.signal,
    );
  }

  async getFolder(id: string, options: { fields?: string[]; signal?: AbortSignal } = {}): Promise<BoxFolder> {
    return this.http.getJson<BoxFolder>(
      `/folders/${encodeURIComponent(id)}`,
      { fields: options.fields },
      MAX_BODY_BYTES.item,
      options.signal,
    );
  }

  /** One page in marker mode (`usemarker=true`); `nextMarker` is null after the last page. */
  async listFolderItems(
    id: string,
    options: { marker?: string; limit?: number; fields?: string[]; signal?: AbortSignal } = {},
  ): Promise<{ entries: BoxItem[]; nextMarker: string | null; totalCount?: number }> {
    const limit = Math.max(1, Math.min(MAX_PAGE_LIMIT, Math.floor(options.limit ?? MAX_PAGE_LIMIT)));
    const page = await this.http.getJson<ItemsPage>(
      `/folders/${encodeURIComponent(id)}/items`,
      {
        usemarker: 'true',
        limit: String(limit),
        marker: options.marker || undefined,
        fields: options.fields ?? DEFAULT_ITEM_FIELDS,
      },
      MAX_BODY_BYTES.page,
      options.signal,
    );
    const entries = page?.entries;
    if (!Array.isArray(entries)) {
      throw listingError(id, 'invalid_response', 'the page has no list of entries');
    }
    // Box may leave total_count out in marker mode; when it is there it bounds the listing.
    const totalCount = typeof page.total_count === 'number' ? page.total_count : undefined;
    return { entries, nextMarker: page.next_marker || null, totalCount };
  }

  /**
   * Every item of a folder, fetching pages of 1000 as the caller consumes them. A server whose pages never end
   * (a repeated marker, empty pages that keep promising more, more pages than its own total_count needs, or
   * more pages than any folder needs) gets an `endless_listing` BoxApiError instead of an endless loop.
   */
  async *iterateFolderItems(
    id: string,
    /** `beforePage` runs before each page is asked for: a tree walker's rate limit. */
    options: { fields?: string[]; signal?: AbortSignal; beforePage?: () => Promise<void> } = {},
  ): AsyncIterable<BoxItem> {
    for await (const page of this.iterateFolderPages(id, options)) yield* page;
  }

  /**
   * The same listing a page at a time, with the same bounds: a tree walker takes thousands of items, and an
   * asynchronous step per item cost more than reading them.
   */
  async *iterateFolderPages(
    id: string,
    options: { fields?: string[]; signal?: AbortSignal; beforePage?: () => Promise<void> } = {},
  ): AsyncIterable<readonly BoxItem[]> {
    let marker: string | undefined;
    const seen = new Set<string>();
    let pages = 0;
    let items = 0;
    let emptyInARow = 0;
    do {
      if (pages === MAX_LISTING_PAGES) {
        throw listingError(id, 'endless_listing', `the listing went past ${MAX_LISTING_PAGES} pages`);
      }
      await options.beforePage?.();
      const page = await this.listFolderItems(id, {
        fields: options.fields,
        signal: options.signal,
        marker,
        limit: MAX_PAGE_LIMIT,
      });
      pages += 1;
      items += page.entries.length;
      yield page.entries;
      marker = page.nextMarker ?? undefined;
      if (marker === undefined) {
        return;
      }
      if (seen.has(marker)) {
        throw listingError(id, 'endless_listing', 'the same paging marker came twice');
      }
      seen.add(marker);
      emptyInARow = page.entries.length === 0 ? emptyInARow + 1 : 0;
      if (emptyInARow === MAX_EMPTY_PAGES) {
        throw listingError(
          id,
          'endless_listing',
          `${MAX_EMPTY_PAGES} empty pages in a row each promised more (next_marker)`,
        );
      }
      // Slack for a folder that gains items while it is being listed, and for a short page or two.
      const total = page.totalCount;
      if (total !== undefined && pages >= Math.ceil(total / MAX_PAGE_LIMIT) + TOTAL_COUNT_SLACK_PAGES) {
        throw listingError(
          id,
          'endless_listing',
          `${pages} pages (${items} items) still promised more, for a folder of ${total} items (total_count)`,
        );
      }
    } while (marker);
  }

  async getFile(id: string, options: { fields?: string[]; signal?: AbortSignal } = {}): Promise<BoxFile> {
    return this.http.getJson<BoxFile>(
      `/files/${encodeURIComponent(id)}`,
      { fields: options.fields },
      MAX_BODY_BYTES.item,
      options.signal,
    );
  }

  async getCurrentUser(options: { fields?: string[]; signal?: AbortSignal } = {}): Promise<BoxUser> {
    return this.http.getJson<BoxUser>(
      '/users/me',
      { fields: options.fields },
      MAX_BODY_BYTES.user,
      options.signal,
    );
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
    const url = this.http.apiUrl('/zip_downloads');
    const zip = await this.http.execute<ZipDownload>(
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
        const answer = await readJson<ZipDownload>(response, spec, MAX_BODY_BYTES.zip);
        if (typeof answer?.download_url !== 'string' || typeof answer.status_url !== 'string') {
          throw invalidResponse(response, spec, 'the ZIP answer has no download_url or status_url');
        }
        return answer;
      },
    );
    this.http.rememberSecret(zip.download_url);
    this.http.rememberSecret(zip.status_url);
    return { ...zip, name_conflicts: zip.name_conflicts ?? [] };
  }

  /**
   * GET the ZIP's status_url (with auth). A 404 before the download started is normal on Box; it surfaces as a
   * BoxApiError with status 404 and the caller decides.
   */
  async getZipDownloadStatus(
    statusUrl: string,
    options: { signal?: AbortSignal; queued?: RateTurn } = {},
  ): Promise<ZipDownloadStatus> {
    const url = this.http.trustedForToken(statusUrl);
    this.http.rememberSecret(statusUrl);
    return this.http.execute<ZipDownloadStatus>(
      {
        method: 'GET',
        url,
        displayUrl: redactZipUrl(url),
        authenticated: true,
        retryMode: 'idempotent',
        signal: options.signal,
        queued: options.queued,
      },
      (response, spec) => readJson<ZipDownloadStatus>(response, spec, MAX_BODY_BYTES.zipStatus),
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
  ): Promise<{ body: Readable; contentEncoding?: string }> {
    const url = parseHttpUrl(downloadUrl, 'ZIP download URL');
    this.http.rememberSecret(downloadUrl);
    const spec: RequestSpec = {
      method: 'GET',
      url,
      displayUrl: redactZipUrl(url),
      authenticated: false,
      retryMode: 'never',
      signal: options.signal,
    };
    return this.http.execute(spec, async (response) => ({
      body: this.http.guardStream(response.body, spec),
      // undici does not decode bodies: an encoded archive reaches the caller as sent.
      contentEncoding: headerValue(response.headers, 'content-encoding'),
    }));
  }

  /**
   * GET /files/{id}/content: Box answers 302 to a short-lived link on its download host (or 202 + Retry-After while
   * the file is not ready, which the request loop waits out). The link is fetched without the token, from `start`
   * with a `Range` header. The body is guarded by the idle timeout like a ZIP stream; it is not retried here.
   */
  async openFileContent(
    id: string,
    options: { start?: number; signal?: AbortSignal } = {},
  ): Promise<FileContent> {
    const url = this.http.apiUrl(`/files/${encodeURIComponent(id)}/content`);
    let link: string | undefined;
    for (let waits = 0; link === undefined; waits++) {
      const answer = await this.fileContentLink(url, options.signal);
      if (typeof answer === 'string') link = answer;
      else if (waits >= MAX_NOT_READY_WAITS) {
        throw new BoxApiError({
          status: 202,
          method: 'GET',
          url: url.pathname,
          code: 'file_not_ready',
          boxMessage: `the file was still not ready after ${waits} waits`,
        });
      } else await this.sleep(Math.min(answer.retryAfterMs, MAX_NOT_READY_WAIT_MS), options.signal);
    }
    this.http.rememberSecret(link);
    const start = Math.max(0, Math.floor(options.start ?? 0));
    const target = parseHttpUrl(link, 'file download URL');
    const spec: RequestSpec = {
      method: 'GET',
      url: target,
      displayUrl: redactZipUrl(target),
      authenticated: false,
      retryMode: 'idempotent',
      headers: start > 0 ? { range: `bytes=${start}-` } : {},
      signal: options.signal,
    };
    return this.http.execute(spec, async (response) => {
      const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(headerValue(response.headers, 'content-range') ?? '');
      const length = Number(headerValue(response.headers, 'content-length') ?? NaN);
      const body = this.http.guardStream(response.body, spec);
      if (response.statusCode === 206 && range)
        return { body, start: Number(range[1]), size: Number(range[2]) };
      // A server that ignores Range sends the whole file again.
      return { body, start: 0, size: Number.isFinite(length) ? length : undefined };
    });
  }

  /** The 302's link, or how long to wait when Box answers 202 (the file is not ready yet). */
  private fileContentLink(url: URL, signal?: AbortSignal): Promise<string | { retryAfterMs: number }> {
    return this.http.execute<string | { retryAfterMs: number }>(
      {
        method: 'GET',
        url,
        displayUrl: url.pathname,
        authenticated: true,
        retryMode: 'idempotent',
        redirectIsAnswer: true,
        signal,
      },
      async (response, spec) => {
        await response.body.dump();
        if (response.statusCode === 202) {
          const seconds = Number(headerValue(response.headers, 'retry-after'));
          return { retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 };
        }
        const location = headerValue(response.headers, 'location');
        if (!location) throw invalidResponse(response, spec, 'the file content answer has no Location');
        return new URL(location, url).toString();
      },
    );
  }
}

/** An opened file content stream: `start` is where its bytes begin (0 unless a `Range` was honoured). */
export interface FileContent {
  body: Readable;
  start: number;
  /** The file's whole size, when the answer says (Content-Range or Content-Length). */
  size?: number;
}

/** A folder listing the server got wrong on 200 answers: typed like any unusable answer, and not retried. */
function listingError(id: string, code: BoxClientProblemCode, problem: string): BoxApiError {
  return new BoxApiError({
    status: 200,
    method: 'GET',
    url: `/2.0/folders/${encodeURIComponent(id)}/items`,
    code,
    boxMessage: problem,
  });
}
