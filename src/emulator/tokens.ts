// Token bookkeeping: the developer token, OAuth access/refresh pairs, and authorization codes.
import { randomBytes } from 'node:crypto';

const REFRESH_TOKEN_TTL_MS = 60 * 24 * 3600 * 1000;

interface TokenRecord {
  kind: 'developer' | 'access' | 'refresh';
  clientId?: string;
  expiresAt: number;
  /** Tokens issued together share a grant; revoking either one revokes both. */
  grant: string;
  used: boolean;
  /** Issued to the enterprise's service account (client credentials, subject `enterprise`). */
  serviceAccount?: boolean;
}

interface CodeRecord {
  clientId: string;
  expiresAt: number;
  used: boolean;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
}

export function randomToken(bytes = 24): string {
  // Box tokens are 32 alphanumerics; base64url without the two symbols keeps them header- and form-safe.
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x').slice(0, 32);
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly revokedGrants = new Set<string>();

  constructor(
    readonly developerToken: string,
    private readonly now: () => number,
  ) {
    this.tokens.set(developerToken, {
      kind: 'developer',
      expiresAt: Infinity,
      grant: 'developer',
      used: false,
    });
  }

  /** True for a known, unexpired, unrevoked access or developer token. */
  acceptsAccessToken(token: string | undefined): boolean {
    const record = token === undefined ? undefined : this.tokens.get(token);
    if (!record || record.kind === 'refresh') return false;
    return record.expiresAt > this.now() && !this.revokedGrants.has(record.grant);
  }

  issue(
    clientId: string,
    ttlSeconds: number,
    withRefreshToken: boolean,
    serviceAccount = false,
  ): IssuedTokens {
    const grant = randomToken(12);
    const accessToken = randomToken();
    const now = this.now();
    this.tokens.set(accessToken, {
      kind: 'access',
      clientId,
      expiresAt: now + ttlSeconds * 1000,
      grant,
      used: false,
      serviceAccount,
    });
    let refreshToken: string | undefined;
    if (withRefreshToken) {
      refreshToken = randomToken();
      this.tokens.set(refreshToken, {
        kind: 'refresh',
        clientId,
        expiresAt: now + REFRESH_TOKEN_TTL_MS,
        grant,
        used: false,
      });
    }
    return { accessToken, refreshToken, expiresIn: ttlSeconds };
  }

  /** True for an access token of the enterprise's service account (it is someone else on /users/me). */
  isServiceAccountToken(token: string | undefined): boolean {
    return token !== undefined && this.tokens.get(token)?.serviceAccount === true;
  }

  /** Single use: a second redemption fails, as does a token of another client or a stale one. */
  redeemRefreshToken(token: string, clientId: string): boolean {
    const record = this.tokens.get(token);
    if (!record || record.kind !== 'refresh' || record.used || record.clientId !== clientId) return false;
    if (record.expiresAt <= this.now() || this.revokedGrants.has(record.grant)) return false;
    record.used = true;
    return true;
  }

  createCode(clientId: string, ttlSeconds: number): string {
    const code = randomToken();
    this.codes.set(code, { clientId, expiresAt: this.now() + ttlSeconds * 1000, used: false });
    return code;
  }

  redeemCode(code: string, clientId: string): boolean {
    const record = this.codes.get(code);
    if (!record || record.used || record.clientId !== clientId || record.expiresAt <= this.now())
      return false;
    record.used = true;
    return true;
  }

  /** Every OAuth access and refresh token issued so far (for tests that search logs and files for them). */
  issued(): string[] {
    return [...this.tokens].filter(([, record]) => record.kind !== 'developer').map(([token]) => token);
  }

  /** Revokes the token and its partner from the same grant. Unknown tokens are ignored (RFC 7009). */
  revoke(token: string): void {
    const record = this.tokens.get(token);
    if (record) this.revokedGrants.add(record.grant);
  }
}
