/**
 * One attempt at a pull: ask Box for a ZIP, stream it into the staging folder while the streaming pass extracts
 * behind the download, then let the central directory pass check and finish the extraction while Box's final
 * status is read alongside (bounded: the archive's own checks stand when Box does not answer). Placement is the caller's (pull.ts), once an attempt has succeeded; a failed attempt leaves only
 * its staging folder, which the caller removes.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { throwIfAborted } from '../abort';
import type { BoxClient } from '../box/client';
import type { ZipDownload, ZipDownloadStatus } from '../box/types';
import { extractZip, type ExtractResult } from '../extract/extractor';
import { GrowingFile } from '../extract/growingFile';
import { StreamingExtractor, type StreamingOutcome } from '../extract/streamingExtractor';
import type { Logger } from '../logger';
import type { Plan } from './plan';
import type { PullProgressReporter } from './progress';
import { waitForFinalStatus, type StatusPollOptions } from './status';
import { watchDownloadSpeed, type LowSpeedLimit, type PullClock } from './lowSpeed';
import { BoxApiError, StreamMismatchError, PullError } from '../errors';

/** What the download leaves: the streaming pass's outcome and Box's final status, still being read. */
interface Downloaded {
  streamed?: StreamingOutcome;
  finalStatus: Promise<ZipDownloadStatus | undefined>;
}

function buildFailed(): PullError {
  return new PullError('download_failed', 'Box reported that building the ZIP archive failed.');
}

/** What an attempt reports progress through: the pull's reporter, or one part's share of it (planned.ts). */
export type AttemptProgress = Pick<
  PullProgressReporter,
  'enter' | 'downloaded' | 'filesDone' | 'totalFiles' | 'bytesDownloaded' | 'tick' | 'restartDownload'
>;

export interface AttemptContext {
  client: BoxClient;
  plan: Plan;
  /** A fresh staging folder (place/staging.ts): the archive and the extracted `files` go inside. */
  staging: string;
  progress: AttemptProgress;
  logger: Logger;
  signal?: AbortSignal;
  statusPoll?: Partial<StatusPollOptions>;
  /** Extract entries while the archive downloads (the central directory still checks them). */
  extractWhileDownloading: boolean;
  lowSpeed?: Partial<LowSpeedLimit>;
  clock?: PullClock;
  /** Hash small files while extracting them (planned.ts checks each against the listing's SHA-1). */
  hashSha1?: boolean;
  /** Called before each ZIP create: an attempt may create a fresh one after a mismatch (planned.ts counts them). */
  onZipRequest?(): void;
}

export interface AttemptResult {
  zip: ZipDownload;
  status: ZipDownloadStatus | undefined;
  extracted: ExtractResult;
  /** Where the extracted files are, for placement. */
  filesDir: string;
  bytesDownloaded: number;
}

export class Attempt {
  private readonly filesDir: string;
  private readonly archivePath: string;
  /** Aborted when the attempt is over: ends the status requests it left running in the background. */
  private readonly ended = new AbortController();

  constructor(private readonly context: AttemptContext) {
    this.filesDir = path.join(context.staging, 'files');
    this.archivePath = path.join(context.staging, 'archive.zip');
  }

  async run(): Promise<AttemptResult> {
    try {
      // Lean: the archive is not written while the streaming pass keeps up (growingFile.ts).
      const lean = this.context.extractWhileDownloading;
      try {
        return await this.attempt(lean);
      } catch (error) {
        if (!lean || !(error instanceof StreamMismatchError)) throw error;
        // The central directory disagrees with the stream, or needs bytes that were not kept: rather than trust
        // either, a fresh ZIP, this time kept whole so that the central directory pass can read all of it.
        this.context.logger.warn(
          `The archive's central directory disagrees with its stream (${error.message}); requesting a fresh ZIP.`,
        );
        await fs.rm(this.filesDir, { recursive: true, force: true });
        await fs.rm(this.archivePath, { force: true });
        this.context.progress.restartDownload();
        return await this.attempt(false);
      }
    } finally {
      // A status request still out (one that hangs) must not outlive the attempt, nor keep a CLI process alive.
      this.ended.abort();
    }
  }

  private async attempt(lean: boolean): Promise<AttemptResult> {
    const { client, plan, progress, signal } = this.context;
    this.context.onZipRequest?.();
    const zip = await client.createZipDownload(
      { items: plan.zipItems, downloadFileName: plan.displayName },
      { signal },
    );
    progress.enter('downloading');
    // Made before the download URL is opened, so that its body is read the moment it arrives (the URL itself
    // lives only seconds). Created without `recursive`: Node reports a recursive mkdir on a read-only or full
    // volume as ENOENT (nodejs/node#47098, #42808), which would hide the real reason from the user.
    await fs.mkdir(this.filesDir);
    const archive = await GrowingFile.create(this.archivePath, { lean });
    let downloaded: Downloaded;
    try {
      downloaded = await this.download(zip, archive);
    } finally {
      // Closed before the archive is read again and deleted (Windows cannot delete an open file).
      await archive.close();
    }
    const { streamed, finalStatus } = downloaded;
    // Entered here, not before the streaming pass finished: until then the archive and the files the pass writes
    // are open for writing (a volume that turns read-only meanwhile is refused, see the disk tests). The status
    // wait, which once kept this phase at 'downloading' for minutes, now runs alongside what follows.
    progress.enter('extracting');
    let extracted: ExtractResult;
    try {
      extracted = await this.extract(
        archive.path,
        streamed,
        lean && archive.holeEnd > 0 ? archive.holeEnd : undefined,
      );
    } catch (error) {
      // Box's own word that building the archive failed explains a broken archive better than the break does.
      if (!signal?.aborted && (await finalStatus.catch(() => undefined))?.state === 'failed')
        throw buildFailed();
      throw error;
    }
    // The archive is no longer needed: free the space before files are moved into place.
    await fs.rm(archive.path, { force: true });
    const status = await finalStatus;
    if (status?.state === 'failed') throw buildFailed();
    if (status) progress.totalFiles(status.downloaded_file_count, true);
    if (status?.state === 'succeeded' && extracted.files.length < status.downloaded_file_count) {
      throw new PullError(
        'incomplete',
        `The archive held ${extracted.files.length} files but Box reported ${status.downloaded_file_count}.`,
      );
    }
    // A cancel that arrived as extraction finished must not let placement start.
    throwIfAborted(signal);
    return { zip, status, extracted, filesDir: this.filesDir, bytesDownloaded: progress.bytesDownloaded };
  }

  /**
   * Streams the archive to disk with the streaming pass behind it. Once the bytes are in, Box's final status is
   * read in the background, within its own time budget; the caller awaits it after the archive's own checks.
   */
  private async download(zip: ZipDownload, archive: GrowingFile): Promise<Downloaded> {
    const { client, plan, progress, logger, signal } = this.context;
    // Status requests end with the attempt at the latest, or at the caller's cancel.
    const background = signal ? AbortSignal.any([signal, this.ended.signal]) : this.ended.signal;
    const content = await this.openContent(zip);
    // Once bytes flow, the status endpoint knows the file count: ask once, in the background, for the total.
    let earlyStatusAsked = false;
    // Time to first file, from the first byte (logged, and read by the bench).
    let firstByteAt: number | undefined;
    let firstFileLogged = false;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        progress.downloaded(chunk.length);
        if (!earlyStatusAsked) {
          firstByteAt = performance.now();
          earlyStatusAsked = true;
          client.getZipDownloadStatus(zip.status_url, { signal: background }).then(
            (status) => progress.totalFiles(status.total_file_count),
            () => undefined,
          );
        }
        callback(null, chunk);
      },
    });
    // A local failure of the streaming extractor (disk full) stops the download too.
    const download = new AbortController();
    const stopDownload = (): void => download.abort(signal?.reason);
    signal?.addEventListener('abort', stopDownload, { once: true });
    let tooSlow: PullError | undefined;
    const watching = new AbortController();
    void watchDownloadSpeed(() => progress.bytesDownloaded, {
      limit: this.context.lowSpeed,
      clock: this.context.clock,
      stop: AbortSignal.any([watching.signal, download.signal]),
      onTick: () => progress.tick(),
      onTooSlow: (error) => {
        tooSlow = error;
        logger.warn(error.message);
        download.abort(error);
      },
    });
    const streamer = this.context.extractWhileDownloading
      ? new StreamingExtractor(archive, this.filesDir, {
          signal: download.signal,
          stripTopLevelFolder: plan.stripFolderName,
          hashSha1: this.context.hashSha1,
          onProgress: (files) => {
            progress.filesDone(files);
            if (firstFileLogged || firstByteAt === undefined) return;
            firstFileLogged = true;
            logger.info(
              `First file in staging ${Math.round(performance.now() - firstByteAt)} ms after the first byte`,
            );
          },
          onFatal: (error) => download.abort(error),
        })
      : undefined;
    try {
      try {
        await pipeline(content.body, counter, archive.writable(), { signal: download.signal });
      } catch (error) {
        archive.fail(error);
        // A disk that filled up under the extractor explains the stopped download better than the abort does.
        await streamer?.finish();
        throw tooSlow ?? error;
      } finally {
        watching.abort();
      }
      logger.info(`Downloaded the archive: ${progress.bytesDownloaded} bytes`);
      const finalStatus = waitForFinalStatus(client, zip.status_url, {
        ...this.context.statusPoll,
        signal: background,
        logger,
      });
      finalStatus.catch(() => undefined);
      const streamed = await streamer?.finish();
      if (streamed) {
        logger.debug(
          `Extracted ${streamed.entries.size} files while downloading` +
            (streamed.stoppedEarly ? `; the rest after the download (${streamed.stoppedEarly})` : ''),
        );
      }
      return { streamed, finalStatus };
    } finally {
      signal?.removeEventListener('abort', stopDownload);
    }
  }

  /** The download URL lives only seconds until the download starts: opened before anything else. */
  private async openContent(zip: ZipDownload): ReturnType<BoxClient['openZipDownloadContent']> {
    const { client, signal } = this.context;
    // Another ZIP would come with the same kind of link: say so at once rather than build three.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(zip.download_url)?.[1]?.toLowerCase();
    if (scheme !== 'https' && scheme !== 'http') {
      throw new PullError(
        'download_unusable',
        `Box gave a ZIP download link that is not http(s) (${scheme ?? 'no scheme'}:), so it cannot be downloaded.`,
      );
    }
    const content = await client
      .openZipDownloadContent(zip.download_url, { signal })
      .catch((error: unknown) => {
        // Box answers 404 for a download URL that expired or was used: a fresh ZIP gets a new one.
        if (error instanceof BoxApiError && error.status === 404) {
          throw new PullError(
            'download_failed',
            'The ZIP download link expired or was already used before the download could start.',
            { cause: error },
          );
        }
        throw error;
      });
    const encoding = content.contentEncoding?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      // Released at once; the destroy's own error is of no interest.
      content.body.on('error', () => undefined).destroy();
      throw new PullError(
        'download_unusable',
        `The archive arrived encoded as ${encoding} (Content-Encoding), not as a plain ZIP; a proxy between you and Box may be compressing downloads.`,
      );
    }
    return content;
  }

  /**
   * Extracts what the streaming pass left, checking what it wrote against the central directory. If the two
   * disagree, the streamed files are discarded and the whole archive is extracted again.
   */
  private async extract(
    archivePath: string,
    streamed: StreamingOutcome | undefined,
    unreadableBefore: number | undefined,
  ): Promise<ExtractResult> {
    const { plan, progress, logger, signal } = this.context;
    const extract = (alreadyExtracted?: StreamingOutcome['entries']): Promise<ExtractResult> =>
      extractZip(archivePath, this.filesDir, {
        signal,
        stripTopLevelFolder: plan.stripFolderName,
        hashSha1: this.context.hashSha1,
        ...(alreadyExtracted ? { alreadyExtracted } : {}),
        ...(unreadableBefore ? { unreadableBefore } : {}),
        onProgress: (p) => {
          progress.totalFiles(p.totalEntries);
          progress.filesDone(p.filesExtracted);
        },
      });
    if (!streamed) return extract();
    try {
      return await extract(streamed.entries);
    } catch (error) {
      // A lean archive cannot be read again: run() asks for a fresh one.
      if (!(error instanceof StreamMismatchError) || unreadableBefore !== undefined) throw error;
      logger.warn(
        `The archive's central directory disagrees with its stream (${error.message}); extracting again.`,
      );
      await fs.rm(this.filesDir, { recursive: true, force: true });
      await fs.mkdir(this.filesDir);
      // The file count holds (the reporter never counts back) until the second pass passes it.
      return extract();
    }
  }
}
