// State shared by every route: the item tree, tokens, knobs, counters and the two origins.
import type { EmulatorClock } from './clock';
import type { EmulatorFaults, EmulatorStats, EmulatorUser, OAuthApp } from './options';
import type { SharedLinkConfig } from './sharedLinks';
import type { ItemTree } from './tree';
import type { TokenStore } from './tokens';
import type { ZipStore } from './zipStore';

export interface FileLink {
  relPath: string;
  expiresAt: number;
}

export interface EmulatorContext {
  tree: ItemTree;
  tokens: TokenStore;
  faults: EmulatorFaults;
  stats: EmulatorStats;
  clock: EmulatorClock;
  apps: OAuthApp[];
  user: EmulatorUser;
  zips: ZipStore;
  /** Short-lived links behind the 302 of `GET /2.0/files/{id}/content`. */
  fileLinks: Map<string, FileLink>;
  /** Shared links (sharedLinks.ts); mutable while the emulator runs. */
  sharedLinks: SharedLinkConfig[];
  apiOrigin: string;
  downloadOrigin: string;
}

/** True if the path or one of its ancestors is in `faults.inaccessible`. */
export function isInaccessible(faults: EmulatorFaults, relPath: string): boolean {
  return isUnder(faults.inaccessible, relPath);
}

/** True if ZIPs leave the path out and count it as skipped (`faults.zipSkips`). */
export function isZipSkipped(faults: EmulatorFaults, relPath: string): boolean {
  return !!faults.zipSkips?.length && isUnder(faults.zipSkips, relPath);
}

/** True if a request with this bearer token may not see the path (`faults.hiddenFromServiceAccount`). */
export function isHiddenFrom(ctx: EmulatorContext, token: string | undefined, relPath: string): boolean {
  const hidden = ctx.faults.hiddenFromServiceAccount;
  return !!hidden?.length && ctx.tokens.isServiceAccountToken(token) && isUnder(hidden, relPath);
}

function isUnder(paths: string[], relPath: string): boolean {
  return paths.some((blocked) => {
    const normalized = blocked.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
    return normalized !== '' && (relPath === normalized || relPath.startsWith(`${normalized}/`));
  });
}
