// Opens a Box file from the tree read-only: fresh metadata (so a file changed on Box is fetched again), a question
// before a large download, the bytes under a cancellable notification into the content cache, then the editor
// (or the image preview) on a `box-pull:` URI. Nothing is written to the workspace.
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import { describeFailure } from '../../core/failureText';
import type { Logger } from '../../core/logger';
import { ContentCache, type ContentKey } from '../../core/open/contentCache';
import { readFileBytes } from '../../core/open/fileBytes';
import { isAbort } from '../errors';
import type { Failures } from '../failures';
import type { Prompter } from '../prompter';
import { formatBytes } from '../../core/pull/progress';
import { boxFileUri, isImage, parseBoxFileUri } from './boxFileUri';
import type { BoxFileSource } from './boxFileSystem';

/** Above this, opening asks first: the whole file is held in memory and shown in an editor. */
export const CONFIRM_ABOVE_BYTES = 50 * 1024 * 1024;
const IMAGE_PREVIEW = 'imagePreview.previewEditor';
const FILE_FIELDS = ['type', 'id', 'name', 'size', 'sha1', 'etag', 'modified_at', 'content_modified_at'];

export type OpenOutcome =
  | { status: 'opened'; uri: string }
  | { status: 'declined' | 'cancelled' }
  | { status: 'failed'; message: string };

export interface FileOpenerDeps {
  client(): Promise<BoxClient>;
  prompter: Prompter;
  failures: Failures;
  logger: Logger;
  cache?: ContentCache;
}

export class FileOpener implements BoxFileSource {
  private readonly cache: ContentCache;
  confirmAboveBytes = CONFIRM_ABOVE_BYTES;

  constructor(private readonly deps: FileOpenerDeps) {
    this.cache = deps.cache ?? new ContentCache();
  }

  /** `folders`: where the file is on Box, shown in the tab and its breadcrumbs. */
  async open(file: { id: string; name: string }, folders: string[] = []): Promise<OpenOutcome> {
    const abort = new AbortController();
    try {
      const client = await this.deps.client();
      const info = await client.getFile(file.id, { fields: FILE_FIELDS });
      const name = info.name ?? file.name;
      const size = info.size ?? 0;
      if (size > this.confirmAboveBytes) {
        const yes = await this.deps.prompter.confirm({
          id: 'openLargeFile',
          message: vscode.l10n.t('{0} is {1}. Open it anyway?', name, formatBytes(size)),
          detail: vscode.l10n.t('The whole file is downloaded and held in memory while it is open.'),
          confirmLabel: vscode.l10n.t('Open'),
        });
        if (!yes) return { status: 'declined' };
      }
      let key: ContentKey = { id: info.id, version: info.sha1 ?? info.etag ?? '' };
      if (!this.cache.get(key)) {
        // Box gives every file a SHA-1; without one, the etag names the version and the bytes are stored under it.
        key = await this.download(client, info.id, name, abort, info.sha1 ? undefined : key.version);
      }
      const mtime = Date.parse(info.content_modified_at ?? info.modified_at ?? '') || 0;
      const uri = boxFileUri({ id: key.id, folders, name, version: key.version, size, mtime });
      if (isImage(name)) await vscode.commands.executeCommand('vscode.openWith', uri, IMAGE_PREVIEW);
      else await vscode.commands.executeCommand('vscode.open', uri);
      return { status: 'opened', uri: uri.toString() };
    } catch (error) {
      if (isAbort(error, abort.signal)) return { status: 'cancelled' };
      const message = vscode.l10n.t('Could not open {0}: {1}', file.name, describeFailure(error, 'file'));
      await this.deps.failures.report(message, error, `Opening Box file ${file.id} failed`);
      return { status: 'failed', message };
    }
  }

  /** For the file system: the cached bytes of this URI's version, or the file fetched again. */
  async read(uri: vscode.Uri): Promise<Uint8Array> {
    const file = parseBoxFileUri(uri);
    if (!file) throw new Error(`Not a Box file: ${uri.toString()}`);
    const cached = this.cache.get({ id: file.id, version: file.version });
    if (cached) return cached;
    try {
      const client = await this.deps.client();
      const { bytes, sha1 } = await readFileBytes((signal) => client.openFileContent(file.id, { signal }));
      this.cache.set({ id: file.id, version: sha1 }, bytes);
      return bytes;
    } catch (error) {
      this.deps.logger.error(`Reading Box file ${file.id} failed`, error);
      throw new Error(describeFailure(error, 'file'), { cause: error });
    }
  }

  /**
   * Downloads into the cache under a cancellable notification. The key names the version actually received (its
   * SHA-1, which differs from the metadata's when the file changed in between), or `etag` when given.
   */
  private download(
    client: BoxClient,
    id: string,
    name: string,
    abort: AbortController,
    etag?: string,
  ): Promise<ContentKey> {
    return Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('Opening {0} from Box', name),
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          const { bytes, sha1 } = await readFileBytes((signal) => client.openFileContent(id, { signal }), {
            signal: abort.signal,
            onBytes: (received, total) => {
              if (!total) return;
              const percent = Math.floor((received / total) * 100);
              if (percent > shown) progress.report({ increment: percent - shown, message: `${percent}%` });
              shown = Math.max(shown, percent);
            },
          });
          const key = { id, version: etag || sha1 };
          this.cache.set(key, bytes);
          return key;
        },
      ),
    );
  }
}
