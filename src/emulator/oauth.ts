// OAuth 2.0: /oauth2/token (authorization_code, refresh_token, client_credentials), /oauth2/revoke, and the browser
// authorize page /api/oauth2/authorize with Box's loopback redirect rule.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteArgs } from './apiRoutes';
import type { EmulatorContext } from './context';
import { OAuthError } from './errors';
import { readBody, readForm, sendEmpty, sendJson } from './http';
import { ENTERPRISE_ID, type OAuthApp } from './options';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function requireForm(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded');
  }
}

function authenticateClient(ctx: EmulatorContext, form: URLSearchParams): OAuthApp {
  const app = ctx.apps.find((candidate) => candidate.clientId === form.get('client_id'));
  if (!app || app.clientSecret !== form.get('client_secret')) {
    throw new OAuthError('invalid_client', 'The client credentials are not valid');
  }
  return app;
}

export async function postToken({ ctx, req, res }: RouteArgs): Promise<void> {
  requireForm(req);
  const form = await readForm(req);
  const grantType = form.get('grant_type');
  if (!grantType)
    throw new OAuthError('invalid_request', 'Invalid grant_type parameter or parameter missing');
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', 'Grant type is not supported');
  }
  const app = authenticateClient(ctx, form);
  const ttl = ctx.faults.accessTokenTtlSeconds;
  let withRefreshToken = true;

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) throw new OAuthError('invalid_request', 'Missing parameter: code');
    if (!ctx.tokens.redeemCode(code, app.clientId)) {
      throw new OAuthError('invalid_grant', "Auth code doesn't exist or is invalid for the client");
    }
  } else if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (!refreshToken) throw new OAuthError('invalid_request', 'Missing parameter: refresh_token');
    if (!ctx.tokens.redeemRefreshToken(refreshToken, app.clientId)) {
      throw new OAuthError('invalid_grant', 'Invalid refresh token');
    }
  } else {
    const subjectType = form.get('box_subject_type');
    const subjectId = form.get('box_subject_id');
    const valid =
      (subjectType === 'enterprise' && subjectId === ENTERPRISE_ID) ||
      (subjectType === 'user' && subjectId === ctx.user.id);
    if (!valid) throw new OAuthError('invalid_grant', 'Grant credentials are invalid');
    // CCG issues no refresh token (guide tokens/access-tokens).
    withRefreshToken = false;
  }

  const forServiceAccount =
    grantType === 'client_credentials' && form.get('box_subject_type') === 'enterprise';
  const issued = ctx.tokens.issue(app.clientId, ttl, withRefreshToken, forServiceAccount);
  ctx.stats.tokenGrants++;
  sendJson(res, 200, {
    access_token: issued.accessToken,
    expires_in: issued.expiresIn,
    restricted_to: [],
    token_type: 'bearer',
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
  });
}

export async function postRevoke({ ctx, req, res }: RouteArgs): Promise<void> {
  requireForm(req);
  const form = await readForm(req);
  authenticateClient(ctx, form);
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'Missing parameter: token');
  ctx.tokens.revoke(token);
  sendEmpty(res, 200);
}

/** Exact match, except that loopback URIs match on any port (guide oauth2-setup). */
export function redirectUriMatches(registered: string, candidate: string): boolean {
  if (registered === candidate) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(candidate);
  } catch {
    return false;
  }
  return (
    LOOPBACK_HOSTS.has(a.hostname) &&
    a.protocol === b.protocol &&
    a.hostname === b.hostname &&
    a.pathname === b.pathname &&
    a.search === b.search &&
    b.hash === ''
  );
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sendHtml(res: ServerResponse, status: number, title: string, body: string): void {
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

interface AuthorizeRequest {
  app: OAuthApp;
  redirectUri: string;
  params: URLSearchParams;
}

/** Validates client and redirect URI; on failure shows an error page (never redirects to an unchecked URI). */
function checkAuthorize(
  ctx: EmulatorContext,
  params: URLSearchParams,
  res: ServerResponse,
): AuthorizeRequest | undefined {
  const app = ctx.apps.find((candidate) => candidate.clientId === params.get('client_id'));
  if (!app) {
    sendHtml(res, 400, 'invalid_client', '<p>The client_id is not valid.</p>');
    return undefined;
  }
  let redirectUri = params.get('redirect_uri');
  if (!redirectUri) {
    if (app.redirectUris.length !== 1) {
      sendHtml(res, 400, 'redirect_uri_missing', '<p>The redirect_uri parameter is required.</p>');
      return undefined;
    }
    redirectUri = app.redirectUris[0];
  }
  if (!app.redirectUris.some((registered) => redirectUriMatches(registered, redirectUri))) {
    sendHtml(res, 400, 'redirect_uri_mismatch', '<p>The redirect_uri does not match a registered one.</p>');
    return undefined;
  }
  return { app, redirectUri, params };
}

function redirectWith(
  res: ServerResponse,
  { redirectUri, params }: AuthorizeRequest,
  extra: Record<string, string>,
) {
  const target = new URL(redirectUri);
  for (const [key, value] of Object.entries(extra)) target.searchParams.set(key, value);
  const state = params.get('state');
  if (state !== null) target.searchParams.set('state', state);
  sendEmpty(res, 302, { location: target.toString() });
}

function decide(
  ctx: EmulatorContext,
  request: AuthorizeRequest,
  res: ServerResponse,
  approve: boolean,
): void {
  if (!approve || ctx.faults.denyAuthorization) {
    return redirectWith(res, request, {
      error: 'access_denied',
      error_description: 'The user denied access to your application',
    });
  }
  redirectWith(res, request, {
    code: ctx.tokens.createCode(request.app.clientId, ctx.faults.authCodeTtlSeconds),
  });
}

function consentPage(res: ServerResponse, request: AuthorizeRequest): void {
  const hidden = ['response_type', 'client_id', 'redirect_uri', 'state', 'scope']
    .filter((name) => request.params.get(name) !== null)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(request.params.get(name)!)}">`)
    .join('');
  sendHtml(
    res,
    200,
    'Grant access to Box',
    `<p>The application <code>${escapeHtml(request.app.clientId)}</code> wants to access your Box account.</p>` +
      `<form method="post" action="/api/oauth2/authorize">${hidden}` +
      '<button type="submit" id="approve" name="consent" value="approve">Grant access to Box</button> ' +
      '<button type="submit" id="deny" name="consent" value="deny">Deny</button></form>',
  );
}

export function getAuthorize({ ctx, url, res }: RouteArgs): void {
  const request = checkAuthorize(ctx, url.searchParams, res);
  if (!request) return;
  if (url.searchParams.get('response_type') !== 'code') {
    return redirectWith(res, request, { error: 'unsupported_response_type' });
  }
  if (ctx.faults.denyAuthorization || ctx.faults.autoApprove) return decide(ctx, request, res, true);
  consentPage(res, request);
}

export async function postAuthorize({ ctx, req, res }: RouteArgs): Promise<void> {
  const params = new URLSearchParams(await readBody(req));
  const request = checkAuthorize(ctx, params, res);
  if (!request) return;
  if (params.get('response_type') !== 'code')
    return redirectWith(res, request, { error: 'unsupported_response_type' });
  decide(ctx, request, res, params.get('consent') === 'approve');
}
