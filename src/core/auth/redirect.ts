// Where Box sends the browser after sign-in, and how the code comes back. Locally the loopback listener takes it.
// When VS Code runs remotely (SSH, WSL, Codespaces, code-server from another machine) the browser is on another
// machine than the listener: a port VS Code forwards to the browser's machine still works; anything else cannot
// reach a loopback redirect, so the user pastes the address the browser ends on and we read the code from it.
import { timingSafeEqual } from 'node:crypto';
import { OAuthError } from '../errors';

/** `auto` decides by where VS Code runs; the other two are the user's override (boxPull.signInRedirect). */
export type RedirectMode = 'auto' | 'loopback' | 'paste';

export interface RedirectChoice {
  /** The `redirect_uri` of the authorize URL. */
  redirectUri: string;
  /** `loopback`: the listener takes the code. `paste`: the user pastes the address the browser ends on. */
  codeFrom: 'loopback' | 'paste';
}

export interface RedirectFacts {
  mode: RedirectMode;
  /** The extension host and the browser may be on different machines. */
  remote: boolean;
  /** The listener's own address, `http://127.0.0.1:<port>/callback`. */
  local: string;
  /** What the host makes of `local` for the browser's machine (VS Code's asExternalUri); only asked when remote. */
  external?: string;
}

/** Decides the redirect; pure, so every case has a unit test. */
export function chooseRedirect(facts: RedirectFacts): RedirectChoice {
  if (facts.mode === 'paste') return { redirectUri: facts.local, codeFrom: 'paste' };
  if (facts.mode === 'loopback' || !facts.remote) return { redirectUri: facts.local, codeFrom: 'loopback' };
  // A forwarded port is still a loopback address on the browser's machine, which Box accepts for any port (the path
  // must stay the registered one). A tunnel's https address, or a proxy path such as code-server's
  // /proxy/<port>/callback, is not one Box would accept for the user's app.
  if (
    facts.external !== undefined &&
    isLoopbackAddress(facts.external) &&
    samePath(facts.external, facts.local)
  )
    return { redirectUri: facts.external, codeFrom: 'loopback' };
  return { redirectUri: facts.local, codeFrom: 'paste' };
}

function samePath(a: string, b: string): boolean {
  return new URL(a).pathname === new URL(b).pathname;
}

/** http://127.0.0.1, http://localhost or http://[::1], any port. */
export function isLoopbackAddress(address: string): boolean {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * The authorization code in an address pasted from the browser's address bar, once its `state` proves it answers
 * this sign-in. Box's own refusal (`error=access_denied`) becomes that OAuthError.
 */
export function codeFromPastedAddress(text: string, expectedState: string): string {
  const problem = pastedAddressProblem(text, expectedState);
  if (problem) throw new OAuthError(problem.code, problem.message);
  const params = new URL(text.trim()).searchParams;
  return params.get('code')!;
}

/** Why a pasted address cannot finish this sign-in, in one line; undefined when it can. */
export function pastedAddressProblem(
  text: string,
  expectedState: string,
): { code: string; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { code: 'invalid_address', message: 'That is not a web address.' };
  }
  const params = url.searchParams;
  if (!params.has('state') && !params.has('code') && !params.has('error'))
    return { code: 'invalid_address', message: 'That address carries no sign-in answer from Box.' };
  if (!stateMatches(params.get('state'), expectedState))
    return { code: 'state_mismatch', message: 'That address belongs to another sign-in attempt.' };
  const error = params.get('error');
  if (error) return { code: error, message: params.get('error_description') ?? `Box reported ${error}.` };
  if (!params.get('code'))
    return { code: 'missing_code', message: 'That address carries no authorization code.' };
  return undefined;
}

/** Constant-time comparison of a received `state` with ours. */
export function stateMatches(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
