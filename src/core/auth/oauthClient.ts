// Box's OAuth 2.0 endpoints, host-free: the VS Code AuthenticationProvider and the CLI both call these.
// Box takes client_id and client_secret in the form body (not HTTP Basic), has no PKCE, and rotates refresh
// tokens on every use. Nothing here retries: a refresh that reached Box but whose answer was lost has already
// killed the old refresh token, so blindly sending it again can only fail; the caller decides.
import { request, type Dispatcher } from 'undici';
import { assertUsableAddress } from '../box/address';
import { redactSecrets } from '../logger';
import { OAuthError, messageOf } from '../errors';

export interface OAuthEndpoints {
  /** API origin, like `https://api.box.com`: token at `/oauth2/token`, revoke at `/oauth2/revoke`. */
  apiBaseUrl: string;
  /** Browser origin, like `https://account.box.com` (or `https://ent.box.com`): `/api/oauth2/authorize`. */
  authorizeBaseUrl: string;
  /** undici dispatcher for token and revoke calls (a proxy agent, say); undici's global one by default. */
  dispatcher?: Dispatcher;
  /** Time limit for one token or revoke request; 30 s by default. */
  requestTimeoutMs?: number;
  /** Clock for `TokenSet.expiresAt`, epoch ms; `Date.now` by default (TokenManager passes its own). */
  now?: () => number;
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  accessToken: string;
  /** Absent for client-credentials grants, which Box never gives a refresh token. */
  refreshToken?: string;
  /** When the access token stops working, in epoch milliseconds (measured from before the request was sent). */
  expiresAt: number;
  tokenType: 'bearer';
  restrictedTo?: unknown[];
}

export type CcgSubject = { type: 'enterprise' | 'user'; id: string };

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Token answers are a few hundred bytes; anything far larger is not a token answer. */
const MAX_RESPONSE_BYTES = 64 * 1024;

function joinUrl(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}${path}`;
}

/** The URL to open in the user's browser. `state` must be unguessable and checked on the way back. */
export function buildAuthorizeUrl(
  endpoints: Pick<OAuthEndpoints, 'authorizeBaseUrl'>,
  app: Pick<OAuthApp, 'clientId'>,
  redirectUri: string,
  state: string,
  scope?: string,
): string {
  assertUsableAddress(endpoints.authorizeBaseUrl);
  const url = new URL(joinUrl(endpoints.authorizeBaseUrl, '/api/oauth2/authorize'));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  if (scope) {
    url.searchParams.set('scope', scope);
  }
  return url.toString();
}

/**
 * Trades an authorization code for tokens. Box's codes live 30 seconds: call this as soon as the redirect
 * arrives. Box wants no `redirect_uri` here.
 */
export async function exchangeAuthorizationCode(
  endpoints: OAuthEndpoints,
  app: OAuthApp,
  code: string,
  signal?: AbortSignal,
): Promise<TokenSet> {
  const form = {
    grant_type: 'authorization_code',
    code,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  };
  return parseTokenSet(await postForm(endpoints, '/oauth2/token', form, signal), true);
}

/** Uses a refresh token once. Box answers with a new pair; the old refresh token is dead from then on. */
export async function refreshTokens(
  endpoints: OAuthEndpoints,
  app: OAuthApp,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<TokenSet> {
  const form = {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  };
  return parseTokenSet(await postForm(endpoints, '/oauth2/token', form, signal), true);
}

/** Client Credentials Grant: a token for the enterprise's service account or for one user, no refresh token. */
export async function clientCredentialsGrant(
  endpoints: OAuthEndpoints,
  app: OAuthApp,
  subject: CcgSubject,
  signal?: AbortSignal,
): Promise<TokenSet> {
  const form = {
    grant_type: 'client_credentials',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    box_subject_type: subject.type,
    box_subject_id: subject.id,
  };
  return parseTokenSet(await postForm(endpoints, '/oauth2/token', form, signal), false);
}

/** Revokes an access or refresh token. */
export async function revokeToken(
  endpoints: OAuthEndpoints,
  app: OAuthApp,
  token: string,
  signal?: AbortSignal,
): Promise<void> {
  const form = { token, client_id: app.clientId, client_secret: app.clientSecret };
  await postForm(endpoints, '/oauth2/revoke', form, signal);
}

interface FormResponse {
  /** Epoch ms just before the request left: token lifetimes count from no later than this. */
  sentAt: number;
  body: string;
  status: number;
  /** Every secret value that went into the request, for redacting whatever comes back. */
  secrets: string[];
}

async function postForm(
  endpoints: OAuthEndpoints,
  path: string,
  form: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<FormResponse> {
  // Codes, refresh tokens and the client secret never travel over plain http off this machine.
  assertUsableAddress(endpoints.apiBaseUrl);
  const secrets = secretValues(form);
  const timeoutMs = endpoints.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const sentAt = (endpoints.now ?? Date.now)();
  let status: number;
  let body: string;
  try {
    const response = await request(joinUrl(endpoints.apiBaseUrl, path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: combined,
      dispatcher: endpoints.dispatcher,
    });
    status = response.statusCode;
    body = await readLimited(response.body);
  } catch (cause) {
    if (signal?.aborted) {
      throw signal.reason;
    }
    if (timeout.aborted) {
      throw new OAuthError('timeout', `Box did not answer within ${Math.round(timeoutMs / 1000)} s`, 0, {
        cause,
      });
    }
    if (cause instanceof OAuthError) {
      throw cause;
    }
    const reason = messageOf(cause);
    throw new OAuthError('network_error', redactSecrets(reason, secrets), 0, { cause });
  }
  if (status < 200 || status > 299) {
    throw errorFromResponse(status, body, secrets);
  }
  return { sentAt, body, status, secrets };
}

function secretValues(form: Record<string, string>): string[] {
  const secretNames = ['code', 'refresh_token', 'client_secret', 'token'];
  return secretNames.map((name) => form[name]).filter((value): value is string => typeof value === 'string');
}

async function readLimited(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new OAuthError('invalid_response', `Box's answer was larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorFromResponse(status: number, body: string, secrets: string[]): OAuthError {
  const parsed = parseJsonObject(body);
  const error = parsed && typeof parsed.error === 'string' && parsed.error ? parsed.error : undefined;
  if (error) {
    const description =
      typeof parsed?.error_description === 'string' && parsed.error_description
        ? redactSecrets(parsed.error_description, secrets)
        : undefined;
    return new OAuthError(redactSecrets(error, secrets), description, status);
  }
  // Not an OAuth error body (a proxy's HTML page, a 5xx): the status is all we can trust.
  return new OAuthError(status >= 500 ? 'server_error' : 'http_error', `HTTP ${status}`, status);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseTokenSet(response: FormResponse, requireRefreshToken: boolean): TokenSet {
  const invalid = (what: string): OAuthError => new OAuthError('invalid_response', what, response.status);
  const json = parseJsonObject(response.body);
  if (!json) {
    throw invalid('the token answer is not a JSON object');
  }
  const accessToken = json.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw invalid('the token answer has no access_token');
  }
  const expiresIn = typeof json.expires_in === 'string' ? Number(json.expires_in) : json.expires_in;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw invalid('the token answer has no numeric expires_in');
  }
  if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer') {
    throw invalid('the token answer is not a bearer token');
  }
  const refreshToken = json.refresh_token;
  if (refreshToken !== undefined && refreshToken !== null && typeof refreshToken !== 'string') {
    throw invalid('the token answer has a malformed refresh_token');
  }
  if (requireRefreshToken && !refreshToken) {
    throw invalid('the token answer has no refresh_token');
  }
  const tokens: TokenSet = {
    accessToken,
    expiresAt: response.sentAt + expiresIn * 1000,
    tokenType: 'bearer',
  };
  if (refreshToken) {
    tokens.refreshToken = refreshToken;
  }
  if (Array.isArray(json.restricted_to)) {
    tokens.restrictedTo = json.restricted_to;
  }
  return tokens;
}
