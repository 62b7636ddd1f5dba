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
import { codeFromPastedAddress, pastedAddressProblem, type RedirectChoice } from './redirect';

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
  /**
   * Given the listener's own address, where Box should send the browser and how the code comes back (see
   * redirect.ts); the listener by default. A remote VS Code window answers with a forwarded port or `paste`.
   */
  chooseRedirect?: (loopbackUri: string) => Promise<RedirectChoice>;
  /**
   * Asked after the browser opened when the choice is `paste`: the address the browser ended on (undefined: the
   * user gave up). `isAnswer` says in one line why a text cannot finish this sign-in, for the input box; `signal`
   * aborts when the listener got the code after all (the browser was on this machine): close the box then.
   */
  pasteAddress?: (
    isAnswer: (text: string) => string | undefined,
    signal: AbortSignal,
  ) => Promise<string | undefined>;
}

export async function signInWithOAuth(options: SignInOptions): Promise<TokenSet> {
  const { endpoints, app, signal } = options;
  const loopback = await startLoopbackRedirect({
    path: options.redirectPath,
    timeoutMs: options.timeoutMs,
    signal,
  });
  try {
    const choice = (await options.chooseRedirect?.(loopback.redirectUri)) ?? {
      redirectUri: loopback.redirectUri,
      codeFrom: 'loopback',
    };
    const url = buildAuthorizeUrl(endpoints, app, choice.redirectUri, loopback.state, options.scope);
    const listened = loopback.waitForCode();
    let arrived = false;
    void listened.then(
      () => (arrived = true),
      () => undefined,
    );
    // A browser opener that never settles must not outlive the sign-in: the callback, a timeout or an abort wins.
    const opened = await Promise.race([options.openBrowser(url), listened.then(() => true)]);
    if (opened === false) throw browserNotOpened();
    let code = listened;
    if (choice.codeFrom === 'paste' && !arrived) {
      // The browser probably cannot reach the listener: its address bar ends on the redirect, and the user brings
      // it here. Should the listener get the code after all (the browser was on this machine), that wins.
      const pasting = new AbortController();
      code = Promise.race([listened, pastedCode(options, loopback.state, pasting.signal)]).finally(() =>
        pasting.abort(),
      );
    }
    // The code dies 30 s after Box issued it: exchange before anything else.
    return await exchangeAuthorizationCode(endpoints, app, await code, signal);
  } finally {
    loopback.close();
  }
}

async function pastedCode(options: SignInOptions, state: string, signal: AbortSignal): Promise<string> {
  if (!options.pasteAddress) throw new OAuthError('paste_unavailable', 'nobody can paste the address here');
  const text = await options.pasteAddress(
    (candidate) => pastedAddressProblem(candidate, state)?.message,
    signal,
  );
  if (signal.aborted) return new Promise<never>(() => undefined); // the listener won; its code is used
  if (text === undefined) throw new OAuthError('cancelled', 'the sign-in was cancelled');
  return codeFromPastedAddress(text, state);
}

function browserNotOpened(): OAuthError {
  return new OAuthError('browser_not_opened', 'the Box sign-in page could not be opened');
}
