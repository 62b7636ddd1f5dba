// The browser sign-in: loopback redirect + authorize URL + code exchange, with the browser injected so VS Code
// (env.openExternal), the CLI (an `open` command or printing the URL) and tests (following the redirect with
// undici) share one flow.
import { startLoopbackRedirect } from './loopback';
import {
  buildAuthorizeUrl,
  exchangeAuthorizationCode,
  type OAuthApp,
  type OAuthEndpoints,
  type TokenSet,
} from './oauthClient';
import { OAuthError } from '../errors';

export interface SignInOptions {
  endpoints: OAuthEndpoints;
  app: OAuthApp;
  /** Opens the authorize URL. Resolving `false` means it could not (or the user declined): the sign-in fails. */
  openBrowser: (url: string) => Promise<boolean | void>;
  signal?: AbortSignal;
  /** How long the user has to approve in the browser; 5 minutes by default. */
  timeoutMs?: number;
  /** Space-separated Box scopes; the app's configured scopes when absent. */
  scope?: string;
  /** Path of the loopback redirect URI; `/callback` by default. */
  redirectPath?: string;
}

export async function signInWithOAuth(options: SignInOptions): Promise<TokenSet> {
  const { endpoints, app, signal } = options;
  const loopback = await startLoopbackRedirect({
    path: options.redirectPath,
    timeoutMs: options.timeoutMs,
    signal,
  });
  try {
    const url = buildAuthorizeUrl(endpoints, app, loopback.redirectUri, loopback.state, options.scope);
    const code = loopback.waitForCode();
    // A browser opener that never settles must not outlive the sign-in: the callback, a timeout or an abort wins.
    const opened = await Promise.race([options.openBrowser(url), code.then(() => true)]);
    if (opened === false) {
      throw new OAuthError('browser_not_opened', 'the Box sign-in page could not be opened');
    }
    // The code dies 30 s after Box issued it: exchange before anything else.
    return await exchangeAuthorizationCode(endpoints, app, await code, signal);
  } finally {
    loopback.close();
  }
}
