// The address of a Box file opened read-only: `box-pull:/<id>/<name>?v=<version>&size=<bytes>&mtime=<ms>`. The
// name is the last path segment, so the editor tab shows it and VS Code picks the language (or the image preview)
// by its extension; the version makes a file that changed on Box a different document, fetched again.
import * as vscode from 'vscode';

export const BOX_FILE_SCHEME = 'box-pull';

export interface BoxFileRef {
  id: string;
  name: string;
  /** SHA-1 of the content (or the etag when Box gives no SHA-1). */
  version: string;
  size: number;
  mtime: number;
}

export function boxFileUri(file: BoxFileRef): vscode.Uri {
  const query = new URLSearchParams({ v: file.version, size: String(file.size), mtime: String(file.mtime) });
  return vscode.Uri.from({
    scheme: BOX_FILE_SCHEME,
    path: `/${encodeURIComponent(file.id)}/${file.name.replace(/[/\\]/g, '_')}`,
    query: query.toString(),
  });
}

/** The file a `box-pull:` URI names, or undefined for one this extension did not make. */
export function parseBoxFileUri(uri: vscode.Uri): BoxFileRef | undefined {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(uri.path);
  if (uri.scheme !== BOX_FILE_SCHEME || !match) return undefined;
  const query = new URLSearchParams(uri.query);
  return {
    id: decodeURIComponent(match[1]),
    name: match[2],
    version: query.get('v') ?? '',
    size: Number(query.get('size') ?? 0) || 0,
    mtime: Number(query.get('mtime') ?? 0) || 0,
  };
}

const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'jpe', 'gif', 'svg', 'webp', 'bmp', 'ico', 'avif']);

/** Files VS Code's built-in image preview shows. */
export function isImage(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}
