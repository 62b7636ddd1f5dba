// The address of a Box file opened read-only: `box-pull:/<folders>/<name>?id=<id>&v=<version>&size=<bytes>&mtime=<ms>`.
// The path is the file's place on Box, for the tab, its breadcrumbs and the language (or image preview) chosen by
// extension; the query says which file and which version, so a file that changed on Box is a new document.
import * as vscode from 'vscode';

export const BOX_FILE_SCHEME = 'box-pull';

export interface BoxFileRef {
  id: string;
  /** The folders above the file on Box, outermost first ("All Files" left out). */
  folders: string[];
  name: string;
  /** SHA-1 of the content (or the etag when Box gives no SHA-1). */
  version: string;
  size: number;
  mtime: number;
}

/** A Box name as one path segment (Box names hold no `/`, but a backslash would read as one on Windows). */
const segment = (name: string) => name.replace(/[/\\]/g, '_');

export function boxFileUri(file: BoxFileRef): vscode.Uri {
  const query = new URLSearchParams({
    id: file.id,
    v: file.version,
    size: String(file.size),
    mtime: String(file.mtime),
  });
  return vscode.Uri.from({
    scheme: BOX_FILE_SCHEME,
    path: `/${[...file.folders, file.name].map(segment).join('/')}`,
    query: query.toString(),
  });
}

/** The file a `box-pull:` URI names; undefined for one without a file id (a folder in its breadcrumbs). */
export function parseBoxFileUri(uri: vscode.Uri): BoxFileRef | undefined {
  const query = new URLSearchParams(uri.query);
  const id = query.get('id');
  if (uri.scheme !== BOX_FILE_SCHEME || !id) return undefined;
  const parts = uri.path.split('/').filter(Boolean);
  return {
    id,
    folders: parts.slice(0, -1),
    name: parts.at(-1) ?? '',
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
