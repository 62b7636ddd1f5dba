// A read-only file system for Box files opened from the tree (registered with isReadonly, so editors refuse edits
// and saves). It serves bytes from the content cache; a miss (a tab restored after a reload, an evicted entry)
// fetches the file again. Writes are refused with NoPermissions; nothing is ever placed in the workspace.
import * as vscode from 'vscode';
import { parseBoxFileUri } from './boxFileUri';

export interface BoxFileSource {
  /** The file's bytes for this URI, from the cache or Box; rejects with a one-line message. */
  read(uri: vscode.Uri): Promise<Uint8Array>;
}

export class BoxFileSystem implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;

  constructor(private readonly source: BoxFileSource) {}

  watch(): vscode.Disposable {
    // A URI names one version of a file, which never changes.
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const file = parseBoxFileUri(uri);
    if (!file) {
      // A folder of the path, which the breadcrumbs ask about: shown, never listed.
      return {
        type: vscode.FileType.Directory,
        ctime: 0,
        mtime: 0,
        size: 0,
        permissions: vscode.FilePermission.Readonly,
      };
    }
    return {
      type: vscode.FileType.File,
      ctime: file.mtime,
      mtime: file.mtime,
      size: file.size,
      permissions: vscode.FilePermission.Readonly,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    if (!parseBoxFileUri(uri)) throw vscode.FileSystemError.FileNotFound(uri);
    try {
      return await this.source.read(uri);
    } catch (error) {
      throw vscode.FileSystemError.Unavailable(error instanceof Error ? error.message : String(error));
    }
  }

  readDirectory(): [string, vscode.FileType][] {
    // Browsing Box is the Box view's job; a breadcrumb folder lists nothing.
    return [];
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    this.changes.dispose();
  }
}
