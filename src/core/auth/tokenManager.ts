// Hands the Box client a valid access token and keeps the stored credentials current. Box refresh tokens are
// single use (each refresh returns a new pair and kills the old refresh token), and several VS Code windows or a
// window and the CLI can share one stored pair, so a refresh here:
//   - happens once per process at a time (concurrent callers share one promise),
//   - runs under an optional cross-process lock and first re-reads the store, adopting a pair another process
//     already rotated instead of spending a dead refresh token (box/box-windows-sdk-v2#718),
//   - saves the rotated pair before anyone gets the new access token,
//   - is never cancelled half-way by a caller's AbortSignal: a refresh that reached Box must be saved, or the
//     session is lost. Callers that abort just stop waiting.
import { abortable, throwIfAborted } from '../abort';
import { nullLogger, type Logger } from '../logger';
import {
  accessTokenOf,
  issuerOf,
  originChangedError,
  secretsOf,
  type StoredCredentials,
} from './credentials';
import {
  clientCredentialsGrant,
  refreshTokens,
  revokeToken,
  type OAuthEndpoints,
  type TokenSet,
} from './oauthClient';
import { normaliseApiBase } from '../box/address';
import { OAuthError, SignInRequiredError } from '../errors';

export { issuerOf, secretsOf, type StoredCredentials } from './credentials';

export interface TokenStore {
  load(): Promise<StoredCredentials | undefined>;
  save(credentials: StoredCredentials): Promise<void>;
  clear(): Promise<void>;
}

export interface TokenManagerOptions {
  store: TokenStore;
  /** Where to refresh and revoke (the API origin matters; the authorize origin is unused here). */
  endpoints: OAuthEndpoints;
  /** Refresh this long before the access token expires; 3 minutes by default (as Box's legacy Node SDK). */
  refreshMarginMs?: number;
  /** Clock, epoch ms; `Date.now` by default. Tests move it forward instead of sleeping. */
  now?: () => number;
  /** Cross-process mutual exclusion around refreshes and sign-out, e.g. `createFileLock(dir)` from fileLock.ts. */
  lock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  /** The key passed to `lock`; `box-pull-credentials` by default. */
  lockKey?: string;
  logger?: Logger;
  /** Told every token and client secret the manager comes to hold (loaded, given or renewed), to redact them. */
  rememberSecret?: (secret: string) => void;
}

/** What sign-out could not do. The local credentials are gone either way. */
export interface SignOutResult {
  /** Why the tokens may still be valid at the server: a revoke or the lock failed. */
  revokeError?: unknown;
}

/** After Box refuses a refresh token, how long to keep looking for a pair another process rotated meanwhile. */
const ADOPT_RETRY_DELAYS_MS = [0, 200, 500, 1000];

export class TokenManager {
  private readonly store: TokenStore;
  private readonly endpoints: OAuthEndpoints;
  private readonly refreshMarginMs: number;
  private readonly now: () => number;
  private readonly lock: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  private readonly lockKey: string;
  private readonly logger: Logger;
  private readonly rememberSecret: (secret: string) => void;
  private current: StoredCredentials | undefined;
  private loaded = false;
  private renewal: Promise<string | undefined> | undefined;

  constructor(options: TokenManagerOptions) {
    this.store = options.store;
    this.refreshMarginMs = options.refreshMarginMs ?? 3 * 60_000;
    this.now = options.now ?? Date.now;
    // Expiry times of new tokens are then on the same clock as the freshness checks.
    this.endpoints = { ...options.endpoints, now: this.now };
    this.lock = options.lock ?? ((_key, fn) => fn());
    this.lockKey = options.lockKey ?? 'box-pull-credentials';
    this.logger = options.logger ?? nullLogger;
    this.rememberSecret = options.rememberSecret ?? (() => undefined);
  }

  /** The access token to send now, renewed first if it expires within the margin. */
  async getAccessToken(signal?: AbortSignal): Promise<string> {
    throwIfAborted(signal);
    const credentials = await this.credentials();
    if (!credentials) {
      throw new SignInRequiredError('not_signed_in', 'Not signed in to Box.');
    }
    this.checkIssuer(credentials);
    if (credentials.kind === 'developerToken') {
      // Its expiry is unknown: Box tells us with a 401, and refreshAccessToken then reports it.
      return credentials.accessToken;
    }
    if (this.isFresh(credentials.tokens)) {
      return credentials.tokens.accessToken;
    }
    const token = await this.renew(undefined, signal);
    if (token === undefined) {
      throw new SignInRequiredError('not_signed_in', 'Not signed in to Box.');
    }
    return token;
  }

  /**
   * Called by the client after Box refused `refused` with a 401. Returns a different token to retry with, or
   * undefined when there is none (a developer token cannot be refreshed). Throws SignInRequiredError when Box
   * rejects the refresh token or the client credentials.
   */
  async refreshAccessToken(refused: string, signal?: AbortSignal): Promise<string | undefined> {
    throwIfAborted(signal);
    const credentials = await this.credentials();
    if (credentials) this.checkIssuer(credentials);
    if (credentials && accessTokenOf(credentials) !== refused && this.isUsable(credentials)) {
      // Someone renewed it while that request was in flight.
      return accessTokenOf(credentials);
    }
    const token = await this.renew(refused, signal);
    // A renewal that was already running for another reason may hand back the very token Box just refused.
    return token === refused ? this.renew(refused, signal) : token;
  }

  /**
   * Stores new credentials (after a sign-in) and uses them from now on. Without an `issuer` they are recorded as
   * issued by this manager's API base URL.
   */
  async setCredentials(credentials: StoredCredentials): Promise<void> {
    const issued = {
      ...credentials,
      issuer: normaliseApiBase(credentials.issuer ?? this.endpoints.apiBaseUrl),
    };
    this.remember(issued);
    await this.settleRenewal();
    await this.lock(this.lockKey, () => this.store.save(issued));
    this.current = issued;
    this.loaded = true;
  }

  /**
   * Why these credentials must not be used with this manager's endpoints (they were issued by another server),
   * as a SignInRequiredError, or undefined when they may.
   */
  issuerMismatch(credentials: StoredCredentials): SignInRequiredError | undefined {
    return originChangedError(credentials, this.endpoints.apiBaseUrl);
  }

  /** Forgets what is cached so the next call reads the store (e.g. when another window changed the secret). */
  reload(): void {
    this.current = undefined;
    this.loaded = false;
  }

  /**
   * Revokes the tokens at the server that issued them, then clears the store. A dead network or a stuck lock must
   * not keep the user signed in, so the store is cleared even then; the result says that revoking failed, for the
   * caller to tell the user. Only a failure to clear the store throws.
   */
  async signOut(signal?: AbortSignal): Promise<SignOutResult> {
    await this.settleRenewal();
    let revokeError: unknown;
    try {
      await this.lock(this.lockKey, async () => {
        const credentials = (await this.store.load()) ?? this.current;
        if (credentials) revokeError = await this.revoke(credentials, signal);
        await this.store.clear();
      });
    } catch (error) {
      // The lock (or the clear under it) failed: nothing was revoked, or not for sure; clear without the lock.
      revokeError ??= error;
      this.logger.warn(
        'Signing out of Box did not finish under the lock; clearing the session anyway',
        error,
      );
      await this.store.clear();
    } finally {
      this.current = undefined;
      this.loaded = true;
    }
    return { revokeError };
  }

  /** Revokes every token of `credentials` at their issuer; the first failure, if any. */
  private async revoke(credentials: StoredCredentials, signal?: AbortSignal): Promise<unknown> {
    if (credentials.kind === 'developerToken') return undefined; // Box has no revoke for developer tokens
    // Back to the server that issued them, whatever the settings say now: nowhere else may see them.
    const endpoints = { ...this.endpoints, apiBaseUrl: issuerOf(credentials) };
    let failure: unknown;
    for (const token of [credentials.tokens.accessToken, credentials.tokens.refreshToken]) {
      if (!token) continue;
      try {
        await revokeToken(endpoints, credentials.app, token, signal);
      } catch (error) {
        this.logger.warn('Could not revoke a Box token while signing out', error);
        failure ??= error;
      }
    }
    return failure;
  }

  private checkIssuer(credentials: StoredCredentials): void {
    const mismatch = this.issuerMismatch(credentials);
    if (mismatch) throw mismatch;
  }

  private remember(credentials: StoredCredentials | undefined): void {
    if (credentials) for (const secret of secretsOf(credentials)) this.rememberSecret(secret);
  }

  private async credentials(): Promise<StoredCredentials | undefined> {
    if (!this.loaded) {
      this.current = await this.store.load();
      this.remember(this.current);
      this.loaded = true;
    }
    return this.current;
  }

  private isFresh(tokens: TokenSet): boolean {
    return this.now() < tokens.expiresAt - this.refreshMarginMs;
  }

  private isUsable(credentials: StoredCredentials): boolean {
    return credentials.kind === 'developerToken' || this.now() < credentials.tokens.expiresAt;
  }

  /** One renewal at a time in this process; callers that abort stop waiting but do not stop the renewal. */
  private renew(refused: string | undefined, signal?: AbortSignal): Promise<string | undefined> {
    if (!this.renewal) {
      this.renewal = this.lock(this.lockKey, () => this.renewUnderLock(refused)).finally(() => {
        this.renewal = undefined;
      });
    }
    return abortable(this.renewal, signal);
  }

  private async settleRenewal(): Promise<void> {
    await this.renewal?.catch(() => undefined);
  }

  private async renewUnderLock(refused: string | undefined): Promise<string | undefined> {
    // The store is the truth: another window may have rotated the pair, switched accounts or signed out.
    const stored = await this.store.load();
    this.remember(stored);
    this.current = stored;
    this.loaded = true;
    if (!stored) {
      throw new SignInRequiredError('signed_out', 'Signed out of Box.');
    }
    // Another window may have signed in elsewhere meanwhile; and a refresh must never go to a stranger.
    this.checkIssuer(stored);
    if (stored.kind === 'developerToken') {
      return stored.accessToken !== refused ? stored.accessToken : undefined;
    }
    if (stored.tokens.accessToken !== refused && this.isFresh(stored.tokens)) {
      this.logger.debug('Using Box tokens renewed by another process');
      return stored.tokens.accessToken;
    }
    if (stored.kind === 'clientCredentials') {
      return this.regrant(stored);
    }
    return this.refresh(stored);
  }

  private async refresh(stored: Extract<StoredCredentials, { kind: 'oauth' }>): Promise<string> {
    const refreshToken = stored.tokens.refreshToken;
    if (!refreshToken) {
      throw new SignInRequiredError('refresh_rejected', 'The stored Box session cannot be renewed.');
    }
    let tokens: TokenSet;
    try {
      this.logger.debug('Refreshing the Box access token');
      tokens = await refreshTokens(this.endpoints, stored.app, refreshToken);
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'invalid_grant') {
        // Without a shared lock another process may have spent the same refresh token a moment ago: if it saved
        // the new pair, use that; otherwise the session is over.
        const adopted = await this.adoptRotated(refreshToken);
        if (adopted) {
          return adopted;
        }
        throw new SignInRequiredError('refresh_rejected', 'The Box session has expired. Sign in again.', {
          cause: error,
        });
      }
      throw error;
    }
    return this.persist({ ...stored, tokens });
  }

  private async regrant(stored: Extract<StoredCredentials, { kind: 'clientCredentials' }>): Promise<string> {
    let tokens: TokenSet;
    try {
      this.logger.debug('Requesting a new Box client-credentials token');
      tokens = await clientCredentialsGrant(this.endpoints, stored.app, stored.subject);
    } catch (error) {
      if (
        error instanceof OAuthError &&
        (error.code === 'invalid_grant' || error.code === 'invalid_client')
      ) {
        throw new SignInRequiredError('grant_rejected', 'Box rejected the client credentials.', {
          cause: error,
        });
      }
      throw error;
    }
    return this.persist({ ...stored, tokens });
  }

  /** Saves first: the new refresh token is the only one that works now, so it must outlive this process. */
  private async persist(credentials: StoredCredentials & { tokens: TokenSet }): Promise<string> {
    this.remember(credentials);
    // Keep it in memory even if the save fails, so this process goes on working.
    this.current = credentials;
    try {
      await this.store.save(credentials);
    } catch (error) {
      this.logger.error('Could not save the renewed Box tokens', error);
      throw error;
    }
    return credentials.tokens.accessToken;
  }

  private async adoptRotated(spentRefreshToken: string): Promise<string | undefined> {
    for (const delayMs of ADOPT_RETRY_DELAYS_MS) {
      if (delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      const stored = await this.store.load();
      this.remember(stored);
      if (
        stored?.kind === 'oauth' &&
        stored.tokens.refreshToken !== spentRefreshToken &&
        !this.issuerMismatch(stored)
      ) {
        this.logger.debug(
          'Box refused our refresh token, but another process had already renewed the session',
        );
        this.current = stored;
        return stored.tokens.accessToken;
      }
    }
    return undefined;
  }
}
