// What a sign-in leaves behind, and the facts about it every layer needs. Host-free and light (no undici): the VS
// Code layer's activation bundle uses it without loading the network code.
import { BOX_API_BASE_URL, normaliseApiBase } from '../box/address';
import { SignInRequiredError } from '../errors';
import type { CcgSubject, OAuthApp, TokenSet } from './oauthClient';

export type StoredCredentials =
  /** Browser sign-in. The app's secret is stored too: refresh and revoke need it (VS Code: SecretStorage). */
  (
    | { kind: 'oauth'; tokens: TokenSet; app: OAuthApp }
    /** A pasted developer token: not refreshable, a 401 means the user must supply a new one. */
    | { kind: 'developerToken'; accessToken: string }
    /** Client Credentials Grant: no refresh token, a new grant replaces an expiring token. */
    | { kind: 'clientCredentials'; tokens: TokenSet; app: OAuthApp; subject: CcgSubject }
  ) & {
    /**
     * The API base URL that issued them (normalised, see normaliseApiBase). Their tokens, client id and secret go
     * there and nowhere else. Absent in sessions stored before it was recorded: those count as Box's own
     * (BOX_API_BASE_URL), the only server earlier versions could have been meant for outside development.
     */
    issuer?: string;
  };

/** Where credentials came from; see StoredCredentials.issuer. */
export function issuerOf(credentials: StoredCredentials): string {
  return normaliseApiBase(credentials.issuer ?? BOX_API_BASE_URL);
}

/** Every secret inside credentials (tokens and the app's secret), for a redacting logger's literal list. */
export function secretsOf(credentials: StoredCredentials): string[] {
  if (credentials.kind === 'developerToken') return [credentials.accessToken];
  const { accessToken, refreshToken } = credentials.tokens;
  return [accessToken, refreshToken, credentials.app.clientSecret].filter(
    (secret): secret is string => typeof secret === 'string' && secret.length > 0,
  );
}

/** The access token inside credentials, whatever their kind. */
export function accessTokenOf(credentials: StoredCredentials): string {
  return credentials.kind === 'developerToken' ? credentials.accessToken : credentials.tokens.accessToken;
}

/**
 * `origin_changed` when credentials were issued by another server than `apiBaseUrl` (the one the settings point at
 * now): their tokens and the app's secret must not go there. Undefined when they may.
 */
export function originChangedError(
  credentials: Pick<StoredCredentials, 'issuer'>,
  apiBaseUrl: string,
): SignInRequiredError | undefined {
  const issuer = normaliseApiBase(credentials.issuer ?? BOX_API_BASE_URL);
  const current = normaliseApiBase(apiBaseUrl);
  if (issuer === current) return undefined;
  return new SignInRequiredError(
    'origin_changed',
    `You signed in to ${issuer}; Box Pull now points at ${current}. Sign in again.`,
  );
}
