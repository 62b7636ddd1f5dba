// Programmatic entry point: start a Box API emulator over a directory, for tests, benchmarks and the demo.
import { promises as fs } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { systemClock } from './clock';
import type { EmulatorContext } from './context';
import {
  DEFAULT_APP,
  DEFAULT_USER,
  defaultFaults,
  emptyStats,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorStats,
} from './options';
import { API_ROUTES, DOWNLOAD_ROUTES, createOrigin, listen } from './server';
import { TokenStore, randomToken } from './tokens';
import { ItemTree } from './tree';
import { ZipStore } from './zipStore';
import type { SharedLinkConfig } from './sharedLinks';

export type { EmulatorClock } from './clock';
export type {
  EmulatorFaults,
  EmulatorOptions,
  EmulatorStats,
  EmulatorUser,
  OAuthApp,
  RateLimitFault,
  ServerErrorFault,
  StatusHang,
  ZipCompression,
} from './options';
export { DEFAULT_APP, DEFAULT_USER, ENTERPRISE_ID, SERVICE_ACCOUNT, defaultFaults } from './options';
export { idForPath } from './tree';
export { sharedLinkUrl, type SharedLinkConfig } from './sharedLinks';

export interface RunningEmulator {
  /** API origin, e.g. `http://127.0.0.1:PORT` (API under `/2.0`, OAuth under `/oauth2` and `/api/oauth2`). */
  baseUrl: string;
  /** Origin of ZIP `download_url`s and file-content redirects (a second port, like dl.boxcloud.com). */
  downloadOrigin: string;
  /** The developer token the emulator accepts. */
  token: string;
  /** Mutable knobs, read on every request. */
  faults: EmulatorFaults;
  stats: EmulatorStats;
  /** Shared links; tests may add or change them while the emulator runs. */
  sharedLinks: SharedLinkConfig[];
  /** Every OAuth access and refresh token issued so far (tests search logs and settings for them). */
  issuedTokens(): string[];
  /** The Box id of a file or folder given its path relative to the root (`''` → `'0'`). */
  idForPath(relPath: string): string;
  /** A rename or move on Box (relative posix paths): unlike one on disk, the items keep their ids. */
  renameKeepingIds(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const root = path.resolve(options.root);
  if (!(await fs.stat(root)).isDirectory()) throw new Error(`Not a directory: ${root}`);
  const faults: EmulatorFaults = {
    ...defaultFaults(),
    ...(options.accessTokenTtlSeconds !== undefined
      ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds }
      : {}),
    ...options.faults,
  };
  faults.inaccessible = [...(options.faults?.inaccessible ?? [])];
  const token = options.token ?? randomToken();
  const clock = options.clock ?? systemClock;
  const ctx: EmulatorContext = {
    tree: new ItemTree(root),
    tokens: new TokenStore(token, () => clock.now()),
    faults,
    stats: emptyStats(),
    clock,
    apps: [DEFAULT_APP, ...(options.apps ?? [])],
    user: { ...DEFAULT_USER, ...options.user },
    zips: new ZipStore(() => clock.now()),
    fileLinks: new Map(),
    sharedLinks: [...(options.sharedLinks ?? [])],
    apiOrigin: '',
    downloadOrigin: '',
  };
  const api = createOrigin({ ctx, routes: API_ROUTES, isApi: true, log: options.log });
  const download = createOrigin({ ctx, routes: DOWNLOAD_ROUTES, isApi: false, log: options.log });
  try {
    ctx.apiOrigin = `http://127.0.0.1:${await listen(api, options.port ?? 0)}`;
    ctx.downloadOrigin = `http://127.0.0.1:${await listen(download, options.downloadPort ?? 0)}`;
  } catch (error) {
    api.close();
    download.close();
    throw error;
  }

  return {
    baseUrl: ctx.apiOrigin,
    downloadOrigin: ctx.downloadOrigin,
    token,
    faults,
    stats: ctx.stats,
    sharedLinks: ctx.sharedLinks,
    idForPath: (relPath) => ctx.tree.idOf(relPath),
    renameKeepingIds: (from, to) => ctx.tree.renameKeepingIds(from, to),
    issuedTokens: () => ctx.tokens.issued(),
    async close() {
      await Promise.all([closeServer(api), closeServer(download)]);
    },
  };
}
