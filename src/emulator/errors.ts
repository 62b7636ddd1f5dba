// Box's error shapes: the ClientError JSON body, the empty 401 of a bad token, and OAuth2Error.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from './http';

export const HELP_URL = 'https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/';

/** Thrown by route handlers; the server turns it into a ClientError response. */
export class BoxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly contextInfo?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Thrown when the bearer token is missing, unknown, expired or revoked. */
export class UnauthorizedError extends Error {
  constructor() {
    super('unauthorized');
  }
}

/** Thrown by the OAuth endpoints; answered as 400 `{error, error_description}`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export function requestId(): string {
  return randomBytes(12).toString('hex').slice(0, 23);
}

export function sendClientError(res: ServerResponse, error: BoxError): void {
  const body: Record<string, unknown> = {
    type: 'error',
    status: error.status,
    code: error.code,
    message: error.message,
    help_url: HELP_URL,
    request_id: requestId(),
  };
  if (error.contextInfo) body.context_info = error.contextInfo;
  sendJson(res, error.status, body, error.headers);
}

/** Box answers a bad token with an empty body and this header (box-api.md 2.9). */
export function sendUnauthorized(res: ServerResponse): void {
  res.writeHead(401, {
    'www-authenticate':
      'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."',
    'content-length': '0',
  });
  res.end();
}

export function sendOAuthError(res: ServerResponse, error: OAuthError): void {
  sendJson(res, 400, { error: error.error, error_description: error.description });
}

export function invalidParameter(name: string, value: string): Record<string, unknown> {
  return { errors: [{ reason: 'invalid_parameter', name, message: `Invalid value '${value}'.` }] };
}

export const notFound = (): BoxError => new BoxError(404, 'not_found', 'Not Found');
