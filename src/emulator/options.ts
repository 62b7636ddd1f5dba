// Options, fault knobs and counters of the emulator. Knobs live in one mutable object that every request reads,
// so a test can change them while the emulator runs.
import type { EmulatorClock } from './clock';
import type { SharedLinkConfig } from './sharedLinks';

export type ZipCompression = 'deflate' | 'store' | 'mixed';

export interface CountedFault {
  /** How many more matching requests get the fault; decremented on each hit. */
  remaining: number;
  /** Only requests whose path starts with this (default `/2.0/`) are affected. */
  pathPrefix?: string;
}

export type StatusHang = 'silent' | 'headers';

export interface RateLimitFault extends CountedFault {
  /** Value of the `retry-after` header, in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface ServerErrorFault extends CountedFault {
  /** 500, 502 or 503 (default 500). */
  status?: 500 | 502 | 503;
  /** Adds `Retry-After` (seconds) to a 503. */
  retryAfterSeconds?: number;
}

export interface EmulatorFaults {
  /** Next N API requests answer 429 `rate_limit_exceeded` with `retry-after`. */
  rateLimit?: RateLimitFault;
  /** Next N API requests answer 500/502/503. */
  serverErrors?: ServerErrorFault;
  /** Next N `GET /2.0/files/{id}/content` answer 202 with `Retry-After` (file still being processed). */
  fileContentNotReady?: { remaining: number; retryAfterSeconds?: number };
  /** Caps the ZIP stream and file content to this many bytes per second (0/undefined = unlimited). */
  bytesPerSecond?: number;
  /** Destroys the ZIP download socket after this many body bytes. */
  cutAfterBytes?: number;
  /** How many downloads `cutAfterBytes` still cuts (undefined = every download while it is set). */
  cutDownloads?: number;
  /**
   * Tests only: every ZIP download serves these bytes instead of the archive it builds (hostile archives end to
   * end). The status counts no files (total, downloaded and skipped stay 0): the emulator cannot know what they hold.
   */
  servedArchive?: Buffer;
  /**
   * ZIP downloads and file content go silent once this many body bytes went out: the connection stays open and
   * sends nothing until the knob is cleared (a frozen server, as opposed to a slow one).
   */
  freezeAfterBytes?: number;
  /** Next N API requests (by path prefix) are accepted and never answered, until the client gives up. */
  hangRequests?: CountedFault;
  /** Tests only: ZIP `download_url`s get this scheme (`https` against this plain-http server, or `file`). */
  downloadUrlScheme?: string;
  /** Tests only: ZIP downloads go out gzip-compressed with `Content-Encoding: gzip`, as a misconfigured proxy does. */
  gzipDownloads?: boolean;
  /** Extra delay before each ZIP entry, in milliseconds (slow server simulation). */
  entryDelayMs?: number;
  /** Relative posix paths (files or folders) the user cannot access. Read at request time. */
  inaccessible: string[];
  /**
   * Relative posix paths the enterprise's service account does not see (not shared with it): left out of its folder
   * listings, 404 when it asks for the folder. Lets tests tell two signed-in accounts apart by their trees.
   */
  hiddenFromServiceAccount?: string[];
  /** After a ZIP stream ends, the status stays `in_progress` for this many more polls. */
  statusInProgressPolls: number;
  /**
   * Every ZIP status request hangs while set: `silent` accepts it and never answers, `headers` sends 200 and its
   * headers and then no body. Held until the client gives up or the emulator closes.
   */
  statusHang?: StatusHang;
  /** `POST /2.0/zip_downloads` refuses more files than this (folders are not counted). */
  maxZipFiles: number;
  /** `POST /2.0/zip_downloads` refuses more total (uncompressed) bytes than this. */
  maxZipBytes: number;
  /** Lifetime of an unused `download_url`/`status_url`, in seconds. */
  zipUrlTtlSeconds: number;
  /** Concurrent ZIP downloads per user before 429 `user_too_many_concurrent_downloads`. */
  maxConcurrentDownloads: number;
  /** Delay before every API answer under `/2.0/`, in milliseconds (measures a listing walker's concurrency). */
  latencyMs?: number;
  /**
   * Files (relative posix paths) whose `sha1` field reports a hash their bytes do not have, as when a file changes
   * on Box during a pull. `remaining` counts renderings of that field (undefined = every one).
   */
  wrongSha1?: { paths: string[]; remaining?: number };
  /** The next N ZIP content requests answer 429 `user_too_many_concurrent_downloads`, whatever runs. */
  concurrentDownloadRefusals?: number;
  /** File content downloads (`GET /files/{id}/content`'s link) are cut after `afterBytes`, `remaining` times. */
  cutFileContent?: { afterBytes: number; remaining: number };
  /**
   * Files (relative posix paths) left out of the next `remaining` ZIP streams that hold them, neither sent nor
   * counted as skipped: an archive that "may not contain all of the files" (box/box-windows-sdk-v2#904).
   */
  silentlyMissing?: { paths: string[]; remaining: number };
  /**
   * Files (relative posix paths, or folders holding them) Box leaves out of every ZIP and counts in
   * `skipped_file_count`, though listing, metadata and content still serve them.
   */
  zipSkips?: string[];
  /** Tests only: items renamed for `name_conflicts` get this name, in the answer and the archive (a hostile Box). */
  conflictDownloadName?: string;
  /** Tests only: every `POST /2.0/zip_downloads` is refused with this limit error, whatever its size (a lying server). */
  refuseEveryZip?: 'files' | 'bytes';
  /**
   * `POST /2.0/zip_downloads` answers 404 for items reachable only through a shared link. Whether Box does is
   * undocumented; the client must cope either way.
   */
  zipRefusesLinkOnly?: boolean;
  zipCompression: ZipCompression;
  /** zlib level for deflated entries (1 = fastest). */
  compressionLevel: number;
  /** ZIP64 records for every entry and the end of central directory, even when not needed. */
  forceZip64: boolean;
  /** Lifetime of OAuth access tokens (the developer token never expires). */
  accessTokenTtlSeconds: number;
  /** Lifetime of an authorization code. */
  authCodeTtlSeconds: number;
  /** `/api/oauth2/authorize` redirects at once instead of showing a consent page. */
  autoApprove: boolean;
  /** `/api/oauth2/authorize` redirects with `error=access_denied`. */
  denyAuthorization: boolean;
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** Registered redirect URIs; loopback ones (127.0.0.1, localhost) match any port. */
  redirectUris: string[];
}

export interface EmulatorUser {
  id: string;
  name: string;
  login: string;
}

export interface EmulatorOptions {
  /** Directory served as "All Files" (folder id `0`). */
  root: string;
  /** API port (0 or undefined = any free port). */
  port?: number;
  /** Download-origin port (0 or undefined = any free port). */
  downloadPort?: number;
  /** Developer token to accept (random if not given). */
  token?: string;
  /** Extra OAuth apps besides the default `emulator-client-id` one. */
  apps?: OAuthApp[];
  user?: Partial<EmulatorUser>;
  /** Shorthand for `faults.accessTokenTtlSeconds`. */
  accessTokenTtlSeconds?: number;
  faults?: Partial<EmulatorFaults>;
  /** Time for lifetimes and `entryDelayMs`; the system clock by default (tests pass one they move by hand). */
  clock?: EmulatorClock;
  /** Shared links to items of the tree (sharedLinks.ts). */
  sharedLinks?: SharedLinkConfig[];
  /** Receives one line per request (method, path without query, status); nothing secret. */
  log?: (line: string) => void;
}

export interface EmulatorStats {
  /** Every request on both origins. */
  requests: number;
  /** Requests on the API origin under `/2.0/`. */
  apiRequests: number;
  zipCreates: number;
  downloadsStarted: number;
  downloadsCompleted: number;
  downloadsCut: number;
  statusPolls: number;
  /** Downloads that went silent at `faults.freezeAfterBytes`. */
  downloadsFrozen?: number;
  /** API requests held without an answer (`faults.hangRequests`). */
  requestHangs?: number;
  /** Status requests held without an answer (`faults.statusHang`); counted in `statusPolls` too. */
  statusHangs: number;
  fileContentDownloads: number;
  /** Folder listings (`/items`) being answered now, and the most at once: a walker's concurrency. */
  listingsInFlight: number;
  listingsInFlightPeak: number;
  /** File content requests that asked for a `Range`. */
  fileContentRanges: number;
  tokenGrants: number;
  /** `METHOD /path` → count; ZIP ids are replaced by `{id}` so secrets never become keys. */
  byPath: Record<string, number>;
}

export const DEFAULT_APP: OAuthApp = {
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  redirectUris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
};

export const DEFAULT_USER: EmulatorUser = {
  id: '20000001',
  name: 'Emulator User',
  login: 'emulator-user@example.com',
};

/** Numeric, as Box's are (the VS Code client-credentials sign-in only accepts digits). */
export const ENTERPRISE_ID = '30000001';

/**
 * Who a client-credentials token for the enterprise belongs to: the app's service account, another user than the
 * one signed in with the other grants (as on Box). It sees the same files here.
 */
export const SERVICE_ACCOUNT: EmulatorUser = {
  id: '20000002',
  name: 'Emulator Service Account',
  login: 'AutomationUser_30000001_emulator@boxdevedition.com',
};

export function defaultFaults(): EmulatorFaults {
  return {
    inaccessible: [],
    statusInProgressPolls: 0,
    maxZipFiles: 10_000,
    maxZipBytes: 32 * 1024 ** 3,
    zipUrlTtlSeconds: 60,
    maxConcurrentDownloads: 5,
    zipCompression: 'deflate',
    compressionLevel: 1,
    forceZip64: false,
    accessTokenTtlSeconds: 3600,
    authCodeTtlSeconds: 30,
    autoApprove: true,
    denyAuthorization: false,
  };
}

export function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    apiRequests: 0,
    zipCreates: 0,
    downloadsStarted: 0,
    downloadsCompleted: 0,
    downloadsCut: 0,
    statusPolls: 0,
    statusHangs: 0,
    fileContentDownloads: 0,
    fileContentRanges: 0,
    listingsInFlight: 0,
    listingsInFlightPeak: 0,
    tokenGrants: 0,
    byPath: {},
  };
}
