// The two HTTP origins and a tiny router: matches routes, applies injected faults and bearer auth, counts requests
// and turns thrown errors into Box's error responses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  getCurrentUser,
  getFile,
  getFileContent,
  getFolder,
  getFolderItems,
  type RouteArgs,
} from './apiRoutes';
import type { EmulatorContext } from './context';
import {
  BoxError,
  OAuthError,
  UnauthorizedError,
  sendClientError,
  sendOAuthError,
  sendUnauthorized,
} from './errors';
import { injectedFault, injectedHang } from './faults';
import { getFileLink } from './fileLinks';
import { getSharedItem } from './sharedLinks';
import { bearerToken } from './http';
import { getAuthorize, postAuthorize, postRevoke, postToken } from './oauth';
import { createZip, getZipContent, getZipStatus } from './zipRoutes';

interface Route {
  method: string;
  /** Path template; `:x` matches one segment. Templates of secret URLs are used as the stats/log key. */
  template: string;
  pattern: RegExp;
  auth: boolean;
  secret?: boolean;
  handler(args: RouteArgs): Promise<void> | void;
}

function route(
  method: string,
  template: string,
  handler: Route['handler'],
  flags: Partial<Route> = {},
): Route {
  const pattern = new RegExp(`^${template.replace(/:[a-z_]+/g, '([^/]+)')}$`);
  return { method, template, pattern, auth: false, handler, ...flags };
}

const auth = { auth: true };

export const API_ROUTES: Route[] = [
  route('GET', '/2.0/folders/:id', getFolder, auth),
  route('GET', '/2.0/folders/:id/items', getFolderItems, auth),
  route('GET', '/2.0/files/:id', getFile, auth),
  route('GET', '/2.0/files/:id/content', getFileContent, auth),
  route('GET', '/2.0/users/me', getCurrentUser, auth),
  route('GET', '/2.0/shared_items', getSharedItem, auth),
  route('POST', '/2.0/zip_downloads', createZip, auth),
  route('GET', '/2.0/zip_downloads/:id/status', getZipStatus, { auth: true, secret: true }),
  route('POST', '/oauth2/token', postToken),
  route('POST', '/oauth2/revoke', postRevoke),
  route('GET', '/api/oauth2/authorize', getAuthorize),
  route('POST', '/api/oauth2/authorize', postAuthorize),
];

export const DOWNLOAD_ROUTES: Route[] = [
  route('GET', '/2.0/zip_downloads/:id/content', getZipContent, { secret: true }),
  route('GET', '/d/1/:link/download', getFileLink, { secret: true }),
];

function decodeSegments(match: RegExpExecArray): string[] | undefined {
  try {
    return match.slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

interface Origin {
  ctx: EmulatorContext;
  routes: Route[];
  isApi: boolean;
  log?: (line: string) => void;
}

async function dispatch({ ctx, routes, isApi, log }: Origin, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  const candidates = routes
    .map((candidate) => ({ candidate, match: candidate.pattern.exec(url.pathname) }))
    .filter(({ match }) => match !== null);
  const found = candidates.find(({ candidate }) => candidate.method === method);
  const key = `${method} ${found?.candidate.secret ? found.candidate.template : url.pathname}`;

  ctx.stats.requests++;
  ctx.stats.byPath[key] = (ctx.stats.byPath[key] ?? 0) + 1;
  if (isApi && url.pathname.startsWith('/2.0/')) ctx.stats.apiRequests++;
  if (isApi && url.pathname.endsWith('/items')) {
    ctx.stats.listingsInFlight++;
    ctx.stats.listingsInFlightPeak = Math.max(ctx.stats.listingsInFlightPeak, ctx.stats.listingsInFlight);
    res.on('close', () => ctx.stats.listingsInFlight--);
  }
  // The key never holds a secret (ZIP ids and file links are templated), so it is safe to log.
  if (log) res.on('close', () => log(`${key} ${res.statusCode}`));

  try {
    if (isApi && injectedHang(ctx.faults, url.pathname)) {
      ctx.stats.requestHangs = (ctx.stats.requestHangs ?? 0) + 1;
      // Held until the client gives up or the emulator closes.
      return await new Promise<void>((resolve) => res.once('close', resolve));
    }
    const latency = isApi && url.pathname.startsWith('/2.0/') ? (ctx.faults.latencyMs ?? 0) : 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const fault = isApi ? injectedFault(ctx.faults, url.pathname) : undefined;
    if (fault) throw fault;
    if (!found) {
      if (candidates.length > 0) throw new BoxError(405, 'method_not_allowed', 'Method Not Allowed');
      throw new BoxError(404, 'not_found', 'Not Found');
    }
    const params = decodeSegments(found.match!);
    if (!params) throw new BoxError(404, 'not_found', 'Not Found');
    if (found.candidate.auth && !ctx.tokens.acceptsAccessToken(bearerToken(req)))
      throw new UnauthorizedError();
    await found.candidate.handler({ ctx, req, res, url, params });
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Drain an unread request body so the connection can be reused.
    req.resume();
    if (error instanceof BoxError) sendClientError(res, error);
    else if (error instanceof UnauthorizedError) sendUnauthorized(res);
    else if (error instanceof OAuthError) sendOAuthError(res, error);
    else sendClientError(res, new BoxError(500, 'internal_server_error', 'Internal Server Error'));
  }
}

export function createOrigin(origin: Origin): Server {
  const server = createServer((req, res) => {
    // Last line of defence: a bug must cost one request, never the process (unhandled rejections are fatal).
    dispatch(origin, req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5000;
  return server;
}

export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
