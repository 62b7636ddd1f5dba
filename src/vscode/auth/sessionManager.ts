// The signed-in Box accounts of this VS Code profile and the one in use. Credentials live in SecretStorage, one
// secret per account id (from /users/me), plus a small index secret naming the accounts and the active one. Other
// windows change the same secrets, so SecretStorage.onDidChange keeps every window in step.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  accessTokenOf,
  originChangedError,
  secretsOf,
  type StoredCredentials,
} from '../../core/auth/credentials';
import type { SignOutResult, TokenManager } from '../../core/auth/tokenManager';
import { normaliseApiBase } from '../../core/box/address';
import type { BoxClient, TokenProvider } from '../../core/box/client';
import type { BoxUser } from '../../core/box/types';
import type { Logger } from '../../core/logger';
import type { Connection } from '../connection';
import { ContextKeys } from '../constants';
import { loadHeavy } from '../heavy';
import { accountIdOfKey, SecretTokenStore } from './secretTokenStore';
import { SignInRequiredError } from '../../core/errors';
import { isSignInRequired } from '../errors';

export interface BoxAccount {
  /** Box user id. */
  id: string;
  name: string;
  login?: string;
  kind: StoredCredentials['kind'];
  /** The API base URL that issued the session (as in its credentials); absent in older indexes: Box's own. */
  issuer?: string;
}

/** What signing out did. */
export interface SignedOut extends SignOutResult {
  account: BoxAccount;
}

interface SessionIndex {
  active?: string;
  accounts: BoxAccount[];
}

export interface SessionChange {
  added: BoxAccount[];
  removed: BoxAccount[];
  /** The active account changed (sign-in, sign-out, switch, or another window did so). */
  activeChanged: boolean;
}

const INDEX_KEY = 'boxPull.sessions';

export class SessionManager implements vscode.Disposable {
  private index: SessionIndex = { accounts: [] };
  private readonly managers = new Map<string, Promise<TokenManager>>();
  private cachedClient: { accountId: string; generation: number; client: Promise<BoxClient> } | undefined;
  private readonly changed = new vscode.EventEmitter<SessionChange>();
  private readonly disposables: vscode.Disposable[] = [];
  private initialised: Promise<void> | undefined;
  /**
   * The index text this window stored last. The change event of a store arrives late, after this window may have
   * moved on in memory (a switch right after a sign-in): reading back what we stored ourselves is no news, and
   * applying it would flip the active account back for a moment. Another window's text is always applied.
   */
  private lastStoredIndex: string | undefined;
  private started: Promise<void> | undefined;

  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly connection: Connection,
    private readonly storageDir: string,
    private readonly logger: Logger,
    private readonly addLogSecret: (secret: string) => void,
  ) {
    this.disposables.push(
      this.changed,
      secrets.onDidChange((event) => void this.onSecretChanged(event.key)),
      // Token managers hold the token endpoint and proxy of their time: rebuild them after a settings change.
      connection.onDidChange(() => {
        this.managers.clear();
        this.cachedClient = undefined;
        // A session issued by another server than the new address counts as signed out (and back again).
        void this.updateContext();
      }),
    );
  }

  /** Reads the index once (no network); resolves when the signed-in state is known. */
  initialise(): Promise<void> {
    this.initialised ??= this.reloadIndex().then(() => undefined);
    return this.initialised;
  }

  /**
   * Reads the index, then runs `bootstrap` (the BOX_PULL_DEV_TOKEN sign-in); resolves when both are done, and
   * until then client() waits too, so a command run during startup does not see a half-known state.
   */
  start(bootstrap: () => Promise<void>): Promise<void> {
    // The welcome view waits for this context key (`== false`), so it never flashes while sessions still load.
    this.started ??= this.initialise()
      .then(bootstrap)
      .finally(() => this.updateContext());
    return this.started;
  }

  get activeAccount(): BoxAccount | undefined {
    return this.index.accounts.find((account) => account.id === this.index.active);
  }

  get accounts(): readonly BoxAccount[] {
    return this.index.accounts;
  }

  /**
   * The active account if its session may be used with the address the settings point at now. A session issued by
   * another server counts as signed out (its credentials must not go to this one); originProblem says why.
   */
  get signedInAccount(): BoxAccount | undefined {
    const account = this.activeAccount;
    return account && !this.originProblem(account) ? account : undefined;
  }

  /** Why the active (or given) account's session cannot be used with the current address, if it cannot. */
  originProblem(account = this.activeAccount): SignInRequiredError | undefined {
    if (!account) return undefined;
    const problem = originChangedError(account, this.connection.settings().apiBaseUrl);
    if (problem) problem.accountId = account.id;
    return problem;
  }

  /** A Box client for the active account; the same instance until the account or the connection settings change. */
  async client(): Promise<BoxClient> {
    await (this.started ?? this.initialise()).catch(() => undefined);
    const account = this.activeAccount;
    if (!account) throw new SignInRequiredError('not_signed_in', vscode.l10n.t('Not signed in to Box.'));
    const elsewhere = this.originProblem(account);
    if (elsewhere) throw elsewhere;
    const generation = this.connection.generation;
    if (this.cachedClient?.accountId !== account.id || this.cachedClient.generation !== generation) {
      const client = this.connection.createClient(this.tokenProviderFor(account.id));
      this.cachedClient = { accountId: account.id, generation, client };
      client.catch(() => (this.cachedClient = undefined));
    }
    return this.cachedClient.client;
  }

  /** A client that sends one fixed token: used to ask /users/me who a new token belongs to. */
  async clientForToken(accessToken: string): Promise<BoxClient> {
    return this.connection.createClient({ getAccessToken: async () => accessToken });
  }

  /** Stores new credentials for the user they belong to and makes that account the active one. */
  async addSession(credentials: StoredCredentials, user: BoxUser): Promise<BoxAccount> {
    await this.initialise();
    const issued = {
      ...credentials,
      issuer: normaliseApiBase(credentials.issuer ?? this.connection.settings().apiBaseUrl),
    };
    const account: BoxAccount = {
      id: user.id,
      name: user.name || user.login || user.id,
      login: user.login,
      kind: credentials.kind,
      issuer: issued.issuer,
    };
    for (const secret of secretsOf(issued)) this.addLogSecret(secret);
    await (await this.manager(account.id)).setCredentials(issued);
    const previous = this.activeAccount;
    const existed = this.index.accounts.some((known) => known.id === account.id);
    this.index = {
      active: account.id,
      accounts: [...this.index.accounts.filter((known) => known.id !== account.id), account],
    };
    await this.saveIndex();
    this.logger.info(`Signed in to Box as user ${account.id} (${account.kind})`);
    this.publish({
      added: existed ? [] : [account],
      removed: [],
      activeChanged: previous?.id !== account.id,
    });
    return account;
  }

  /**
   * Revokes the account's tokens at the server that issued them, deletes its credentials and forgets it. The
   * credentials are deleted even when revoking (or the lock around it) fails; `revokeError` then says why.
   */
  async signOut(accountId = this.index.active): Promise<SignedOut | undefined> {
    await this.initialise();
    const account = this.index.accounts.find((known) => known.id === accountId);
    if (!account) return undefined;
    let result: SignOutResult;
    try {
      result = await (await this.manager(account.id)).signOut();
    } catch (error) {
      // No token manager (the heavy bundle or the current address failed), or the store would not clear: delete
      // the secret directly; nothing was revoked.
      this.logger.warn('Signing out of Box did not finish cleanly; deleting the session anyway', error);
      await new SecretTokenStore(this.secrets, account.id).clear();
      result = { revokeError: error };
    }
    if (result.revokeError)
      this.logger.warn(`Box did not revoke the tokens of user ${account.id}`, result.revokeError);
    this.forget(account);
    await this.saveIndex();
    this.logger.info(`Signed out of Box user ${account.id}`);
    return { account, ...result };
  }

  /** Makes a signed-in account the one in use (Box: Switch Account); false if it is not signed in. */
  async switchTo(accountId: string): Promise<boolean> {
    await this.initialise();
    if (!this.index.accounts.some((known) => known.id === accountId)) return false;
    if (this.index.active === accountId) return true;
    this.index = { ...this.index, active: accountId };
    this.cachedClient = undefined;
    await this.saveIndex();
    this.logger.info(`Switched to Box user ${accountId}`);
    this.publish({ added: [], removed: [], activeChanged: true });
    return true;
  }

  /** Forgets a session Box no longer accepts (that account's, not whichever is active), without calling Box. */
  async discard(accountId: string): Promise<BoxAccount | undefined> {
    await this.initialise();
    const account = this.index.accounts.find((known) => known.id === accountId);
    if (!account) return undefined;
    await new SecretTokenStore(this.secrets, account.id).clear();
    this.forget(account);
    await this.saveIndex();
    return account;
  }

  /** The current access token of an account, as stored (for AuthenticationSession); never refreshed here. */
  async storedAccessToken(accountId: string): Promise<string | undefined> {
    const credentials = await new SecretTokenStore(this.secrets, accountId).load();
    return credentials ? accessTokenOf(credentials) : undefined;
  }

  /** The stored credentials' kind and token, for the environment bootstrap. */
  async storedCredentials(accountId: string): Promise<StoredCredentials | undefined> {
    return new SecretTokenStore(this.secrets, accountId).load();
  }

  private tokenProviderFor(accountId: string): TokenProvider {
    // Sign-in errors name this account, so the right session is forgotten even if another became active meanwhile.
    const tagged = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (isSignInRequired(error)) (error as SignInRequiredError).accountId ??= accountId;
        throw error;
      }
    };
    return {
      accountId,
      getAccessToken: (signal) =>
        tagged(async () => this.remember(await (await this.manager(accountId)).getAccessToken(signal))),
      refreshAccessToken: (refused, signal) =>
        tagged(async () => {
          const token = await (await this.manager(accountId)).refreshAccessToken(refused, signal);
          return token === undefined ? undefined : this.remember(token);
        }),
    };
  }

  /** Adds a secret (a typed client secret, say) to the log's literal list before anything could echo it. */
  redactFromLogs(secret: string): void {
    this.addLogSecret(secret);
  }

  private remember(token: string): string {
    this.addLogSecret(token);
    return token;
  }

  private manager(accountId: string): Promise<TokenManager> {
    let manager = this.managers.get(accountId);
    if (!manager) {
      manager = Promise.all([loadHeavy(), this.connection.endpoints()]).then(
        ([{ TokenManager, createFileLock }, endpoints]) =>
          new TokenManager({
            store: new SecretTokenStore(this.secrets, accountId),
            endpoints,
            // Windows of one profile share the secrets: a lock file keeps two of them from spending the same
            // single-use refresh token.
            lock: createFileLock(path.join(this.storageDir, 'locks')),
            lockKey: `credentials-${accountId}`,
            logger: this.logger,
            // Refresh tokens and the client secret join the log's literal list, as access tokens do.
            rememberSecret: this.addLogSecret,
          }),
      );
      manager.catch(() => this.managers.delete(accountId));
      this.managers.set(accountId, manager);
    }
    return manager;
  }

  private forget(account: BoxAccount): void {
    const wasActive = this.index.active === account.id;
    const accounts = this.index.accounts.filter((known) => known.id !== account.id);
    this.index = { accounts, active: wasActive ? accounts[accounts.length - 1]?.id : this.index.active };
    this.managers.delete(account.id);
    this.cachedClient = undefined;
    this.publish({ added: [], removed: [account], activeChanged: wasActive });
  }

  private async onSecretChanged(key: string): Promise<void> {
    if (key === INDEX_KEY) {
      const text = await this.secrets.get(INDEX_KEY);
      if (text !== undefined && text === this.lastStoredIndex) return;
      const before = this.index;
      await this.reloadIndex(text);
      const beforeIds = new Set(before.accounts.map((account) => account.id));
      const afterIds = new Set(this.index.accounts.map((account) => account.id));
      const change: SessionChange = {
        added: this.index.accounts.filter((account) => !beforeIds.has(account.id)),
        removed: before.accounts.filter((account) => !afterIds.has(account.id)),
        activeChanged: before.active !== this.index.active,
      };
      if (change.added.length || change.removed.length || change.activeChanged) {
        this.cachedClient = undefined;
        this.publish(change);
      }
      return;
    }
    const accountId = accountIdOfKey(key);
    if (accountId) {
      // Another window refreshed or replaced the tokens: read them again before the next request.
      void this.managers.get(accountId)?.then(
        (manager) => manager.reload(),
        () => undefined,
      );
    }
  }

  private async reloadIndex(known?: string): Promise<SessionIndex> {
    const text = known ?? (await this.secrets.get(INDEX_KEY));
    let index: SessionIndex = { accounts: [] };
    if (text) {
      try {
        const parsed = JSON.parse(text) as SessionIndex;
        if (Array.isArray(parsed.accounts)) index = parsed;
      } catch {
        this.logger.warn('The stored list of Box sessions was unreadable; starting signed out');
      }
    }
    this.index = index;
    await this.updateContext();
    return index;
  }

  private async saveIndex(): Promise<void> {
    const text = JSON.stringify(this.index);
    await this.secrets.store(INDEX_KEY, text);
    this.lastStoredIndex = text;
  }

  private publish(change: SessionChange): void {
    void this.updateContext();
    this.changed.fire(change);
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand(
      'setContext',
      ContextKeys.signedIn,
      this.signedInAccount !== undefined,
    );
    await vscode.commands.executeCommand(
      'setContext',
      ContextKeys.hasAccounts,
      this.index.accounts.length > 0,
    );
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
