// Which server addresses Box Pull may send tokens and secrets to. Plain http is only for this machine (the
// emulator, a local proxy): anywhere else it would hand a bearer token or a refresh token to the network in the clear.
import { AddressError } from '../errors';

/** Box's own API origin: the default, and the issuer of sessions stored before issuers were recorded. */
export const BOX_API_BASE_URL = 'https://api.box.com';

/** 127.0.0.0/8, ::1 and localhost (WHATWG URL has already normalised `127.1` and `[0:0::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Why `url` may not be used as a Box API or sign-in address (one line), or undefined when it may. */
export function addressProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL.`;
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol !== 'http:') return `${url} is not an http:// or https:// address.`;
  if (isLoopbackHost(parsed.hostname)) return undefined;
  return `Refusing ${url}: plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://.`;
}

/** Throws an AddressError unless `url` may be used (see addressProblem). */
export function assertUsableAddress(url: string): void {
  const problem = addressProblem(url);
  if (problem) throw new AddressError(problem);
}

/**
 * The API base URL as it is compared and recorded: origin and path, no trailing slash, no `/2.0`
 * (`https://API.box.com/2.0/` → `https://api.box.com`).
 */
export function normaliseApiBase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '').replace(/\/2\.0$/, '');
  } catch {
    return url.trim().replace(/\/+$/, '');
  }
}
