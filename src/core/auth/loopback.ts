// The one-shot loopback redirect target for the browser sign-in. Box lets loopback redirect URIs use any port
// ("http://127.0.0.1/callback" registered → "http://127.0.0.1:<port>/callback" accepted), so we listen on a
// random port on 127.0.0.1 only and take exactly one callback that carries our `state`.
//
// Box's authorization codes live 30 seconds: the caller must exchange the code as soon as waitForCode()
// resolves, before doing anything else (signInWithOAuth does).
import { throwIfAborted } from '../abort';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthError } from '../errors';
import { stateMatches } from './redirect';

export interface LoopbackOptions {
  /** Path of the redirect URI; `/callback` by default (it must match the path registered for the Box app). */
  path?: string;
  /** How long the user has to approve in the browser; 5 minutes by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port><path>`: pass it as `redirect_uri` in the authorize URL. */
  redirectUri: string;
  /** 32 random bytes as hex; the callback must echo it. */
  state: string;
  /**
   * Resolves with the authorization code from the first callback with the right state. Rejects with an
   * OAuthError on a wrong state (`state_mismatch`), a Box error (`access_denied`, ...), a missing code, or a
   * timeout; with the signal's reason on abort. The server is closed once it settles.
   */
  waitForCode(): Promise<string>;
  /** Stops listening; a pending waitForCode() rejects. Safe to call more than once. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export async function startLoopbackRedirect(options: LoopbackOptions = {}): Promise<LoopbackRedirect> {
  const path = options.path ?? '/callback';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = options.signal;
  throwIfAborted(signal);

  const state = randomBytes(32).toString('hex');
  let settled = false;
  let resolveCode!: (code: string) => void;
  let rejectCode!: (error: unknown) => void;
  const codePromise = new Promise<string>((resolve, reject) => {
    resolveCode = resolve;
    rejectCode = reject;
  });
  // Nobody may be waiting yet when this settles (the browser can be faster than the caller).
  codePromise.catch(() => undefined);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== path) {
      // favicon.ico and anything else a browser or a curious local process asks for.
      sendPage(res, 404, 'Not found', 'There is nothing here.');
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      sendPage(res, 405, 'Method not allowed', 'The sign-in callback only accepts GET.');
      return;
    }
    if (settled) {
      sendPage(res, 400, 'Sign-in already finished', 'This sign-in attempt is over. You can close this tab.');
      return;
    }
    const params = url.searchParams;
    if (!stateMatches(params.get('state'), state)) {
      // Not Box's answer to this attempt: a stray local process or a web page that found the port. Refuse it and
      // keep waiting, so that nobody but Box's redirect can end the sign-in.
      sendPage(res, 400, 'Not this sign-in', 'This answer does not belong to the sign-in in progress.');
      return;
    }
    const error = params.get('error');
    if (error) {
      const description = params.get('error_description') ?? undefined;
      const text =
        error === 'access_denied' ? 'Access to Box was denied.' : `Box reported an error: ${error}.`;
      sendPage(res, 400, 'Sign-in failed', description ? `${text} ${description}` : text);
      finish(new OAuthError(error, description));
      return;
    }
    const code = params.get('code');
    if (!code) {
      sendPage(res, 400, 'Sign-in failed', 'The answer from Box carried no authorization code.');
      finish(new OAuthError('missing_code', 'the sign-in answer carried no authorization code'));
      return;
    }
    sendPage(res, 200, 'Signed in to Box', 'Signed in to Box. You can close this tab.');
    finish(undefined, code);
  });

  function finish(error: unknown, code?: string): void {
    if (settled) {
      return;
    }
    settled = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // Stop listening now; the page being written still reaches the browser (it is sent with
    // `connection: close`), and whatever connection lingers after that is dropped shortly.
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
    if (code !== undefined) {
      resolveCode(code);
    } else {
      rejectCode(error);
    }
  }

  const onAbort = (): void => finish(signal?.reason);
  const timer = setTimeout(
    () =>
      finish(
        new OAuthError(
          'timeout',
          `no sign-in answer from the browser within ${Math.round(timeoutMs / 1000)} s`,
        ),
      ),
    timeoutMs,
  );
  timer.unref();
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    finish(error);
    throw error;
  }

  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}${path}`,
    state,
    waitForCode: () => codePromise,
    close: () => finish(new OAuthError('cancelled', 'the sign-in was cancelled')),
  };
}

function sendPage(res: http.ServerResponse, status: number, title: string, text: string): void {
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:36em;padding:0 1em;color:#222}' +
    'h1{font-size:1.4em}</style></head>' +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The callback URL carries the code: never let it leave as a Referer.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
