/**
 * Files Box left out of a ZIP that came whole. Box's final status counts files it skipped (and sometimes files its
 * totals cannot account for), but never names them, and a user expects every file that Box will serve to arrive.
 * So the pulled items are listed, and each listed file the archive lacks is fetched by its content and checked
 * against the listing's SHA-1. Files Box will not serve by content either (403, 404) stay skipped, and are reported.
 */
import { promises as fs } from 'node:fs';
import type { BoxClient } from '../box/client';
import type { ExtractedFile } from '../extract/fileExtraction';
import { runPool } from '../extract/pool';
import { isAbortError } from '../abort';
import { BoxApiError, messageOf } from '../errors';
import type { Logger } from '../logger';
import { resolveInside } from '../naming/safeNames';
import { sameSha1, sha1OfFile } from '../verify/checksum';
import { downloadFileContent } from './fileContent';
import { makeFilter } from './filters';
import { walkTree, type ListedFile, type WalkRoot } from './listing';

/** Files fetched at once: Box's per-user download budget is shared with the user's browser. */
const STREAMS = 3;

export interface LeftOutRequest {
  client: BoxClient;
  /** What was zipped, as plannedPull.ts's listingRootOf names it. */
  root: WalkRoot;
  /** The extracted files, in `filesDir`: the ones the archive held. */
  extracted: readonly ExtractedFile[];
  filesDir: string;
  logger: Logger;
  signal?: AbortSignal;
  callsPerMinute?: number;
  onBytes?(bytes: number): void;
}

export interface LeftOutResult {
  /** Fetched by content and verified: to be placed with the archive's files. */
  fetched: ExtractedFile[];
  /** Listed but not served by Box (403/404): still skipped. Undefined when the listing itself failed. */
  unavailable?: string[];
  /** Fetched, but never matching the listing's SHA-1: not placed. */
  mismatches: string[];
  bytes: number;
}

/** True for Box's refusal of one file's content: it is not the user's to download, or no longer there. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof BoxApiError && (error.status === 403 || error.status === 404);
}

export async function fetchLeftOut(request: LeftOutRequest): Promise<LeftOutResult> {
  const { client, logger, signal } = request;
  const result: LeftOutResult = { fetched: [], mismatches: [], bytes: 0 };
  let listed: Map<string, ListedFile>;
  try {
    listed = (
      await walkTree(client, request.root, {
        filter: makeFilter(),
        signal,
        callsPerMinute: request.callsPerMinute,
      })
    ).files;
  } catch (error) {
    // The archive's files are sound: a listing that fails leaves Box's own count of what it skipped.
    if (isAbortError(error) || signal?.aborted) throw error;
    logger.warn(`Could not list the pulled items to fetch what Box skipped: ${messageOf(error)}`);
    return result;
  }
  const have = new Set(request.extracted.map((file) => file.relativePath));
  const missing = [...listed.values()].filter((file) => !have.has(file.path));
  const unavailable: string[] = [];
  await runPool(
    missing,
    STREAMS,
    async (file) => {
      const target = resolveInside(request.filesDir, file.path);
      try {
        result.bytes += await downloadFileContent({
          client,
          id: file.id,
          target,
          logger,
          signal,
          onBytes: request.onBytes,
        });
      } catch (error) {
        await fs.rm(target, { force: true });
        if (!isUnavailable(error)) throw error;
        logger.warn(`Box skipped ${file.path} and will not serve it either: ${messageOf(error)}`);
        unavailable.push(file.path);
        return;
      }
      if (sameSha1(file.sha1, await sha1OfFile(target, signal))) {
        result.fetched.push({ relativePath: file.path, size: file.size, archiveName: file.rawPath });
      } else {
        result.mismatches.push(file.path);
        await fs.rm(target, { force: true });
      }
    },
    { signal },
  );
  result.unavailable = unavailable;
  logger.info(
    `Box left ${missing.length} files out of the ZIP: ${result.fetched.length} fetched by content, ` +
      `${unavailable.length} not served, ${result.mismatches.length} not matching their SHA-1.`,
  );
  return result;
}
