// The core's TokenStore on VS Code's SecretStorage: one secret per Box account, so several accounts can be kept
// and other windows see changes through SecretStorage.onDidChange.
import type * as vscode from 'vscode';
import type { StoredCredentials, TokenStore } from '../../core/auth/tokenManager';

const CREDENTIALS_PREFIX = 'boxPull.credentials.';
const CLIENT_SECRET_PREFIX = 'boxPull.oauthClientSecret.';

/** Where a Box app's client secret is kept, per client id: it belongs to the app, not to an account. */
export function clientSecretKey(clientId: string): string {
  return `${CLIENT_SECRET_PREFIX}${clientId}`;
}

export function credentialsKey(accountId: string): string {
  return `${CREDENTIALS_PREFIX}${accountId}`;
}

/** The account id a credentials key belongs to, or undefined for other keys. */
export function accountIdOfKey(key: string): string | undefined {
  return key.startsWith(CREDENTIALS_PREFIX) ? key.slice(CREDENTIALS_PREFIX.length) : undefined;
}

export class SecretTokenStore implements TokenStore {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly accountId: string,
  ) {}

  async load(): Promise<StoredCredentials | undefined> {
    const text = await this.secrets.get(credentialsKey(this.accountId));
    if (!text) return undefined;
    try {
      const value = JSON.parse(text) as StoredCredentials;
      return isCredentials(value) ? value : undefined;
    } catch {
      return undefined; // a damaged secret means "not signed in", never a crash
    }
  }

  async save(credentials: StoredCredentials): Promise<void> {
    await this.secrets.store(credentialsKey(this.accountId), JSON.stringify(credentials));
  }

  async clear(): Promise<void> {
    await this.secrets.delete(credentialsKey(this.accountId));
  }
}

function isCredentials(value: unknown): value is StoredCredentials {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'oauth' || kind === 'developerToken' || kind === 'clientCredentials';
}
