// Understands what a user pastes to name a Box folder or file: a bare id, a link copied from the Box web app, or a
// shared link (`/s/<hash>`, `/v/<vanity>`), which is no item id: it is resolved with `GET /shared_items`.

export interface BoxItemLocator {
  type: 'folder' | 'file';
  id: string;
}

const BARE_ID = /^\d{1,20}$/;
const ITEM_PATH = /^\/(folder|file)\/(\d{1,20})\/?$/;

/**
 * `123` → folder 123; `https://app.box.com/folder/123`, `https://acme.app.box.com/folder/123?s=...`,
 * `app.box.com/folder/123` and `/folder/0` (the root) → folder; `.../file/456` → file. Anything else → undefined.
 */
export function parseBoxFolderReference(input: string): BoxItemLocator | undefined {
  const text = input.trim();
  if (BARE_ID.test(text)) {
    return { type: 'folder', id: text };
  }
  if (text.startsWith('/')) {
    return locatorFromPath(text.replace(/[?#].*$/, ''));
  }
  const url = parseUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !isBoxWebHost(url.hostname)) {
    return undefined;
  }
  if (url.username || url.password) {
    return undefined;
  }
  return locatorFromPath(url.pathname);
}

/** A shared link, normalized to `https://<host>/<s|v>/<name>` (no query, fragment or trailing slash). */
export interface SharedLinkReference {
  type: 'shared_link';
  url: string;
}

const SHARED_PATH = /^\/(s|v)\/([A-Za-z0-9][A-Za-z0-9_.-]{0,199})\/?$/;

/**
 * `https://app.box.com/s/<hash>`, `https://<sub>.app.box.com/s/…`, `https://app.box.com/v/<vanity>`,
 * `(www.)box.com/s/…` (scheme optional) → the link; anything else → undefined.
 */
export function parseSharedLink(input: string): SharedLinkReference | undefined {
  const text = input.trim();
  const url = parseUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (!isBoxWebHost(host) && host !== 'box.com' && host !== 'www.box.com') return undefined;
  const match = SHARED_PATH.exec(url.pathname);
  return match ? { type: 'shared_link', url: `https://${host}/${match[1]}/${match[2]}` } : undefined;
}

/** A folder or file by id, or a shared link: everything a user may paste to name what to pull. */
export function parseBoxReference(input: string): BoxItemLocator | SharedLinkReference | undefined {
  return parseBoxFolderReference(input) ?? parseSharedLink(input);
}

function locatorFromPath(path: string): BoxItemLocator | undefined {
  const match = ITEM_PATH.exec(path);
  return match ? { type: match[1] as 'folder' | 'file', id: match[2] } : undefined;
}

/** app.box.com, <company>.app.box.com, and the Box Verified Enterprise host ent.box.com (and its subdomains). */
function isBoxWebHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'app.box.com' ||
    host.endsWith('.app.box.com') ||
    host === 'ent.box.com' ||
    host.endsWith('.ent.box.com')
  );
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
