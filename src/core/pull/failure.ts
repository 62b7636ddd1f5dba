// How a failed pull is told and judged: the PullError a front end shows, whether another ZIP can help, and the
// note about a temporary folder that could not be removed.
import { isAbortError } from '../abort';
import {
  ArchiveError,
  BoxApiError,
  BoxNetworkError,
  PullError,
  SignInRequiredError,
  messageOf,
} from '../errors';

/** Archive failures that a fresh download can cure; the others are in the archive Box built. */
const TRANSIENT_ARCHIVE_CODES = new Set(['truncated', 'invalid', 'crc_mismatch', 'size_mismatch']);
/** Errors of the destination's file system, which no fresh download cures. */
const LOCAL_FILE_SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM']);

/** Whether a failed attempt is worth another, with a fresh ZIP; `earlier` are the failures of earlier attempts. */
export function isWorthAnotherZip(error: unknown, earlier: readonly unknown[] = []): boolean {
  if (error instanceof ArchiveError) return TRANSIENT_ARCHIVE_CODES.has(error.code);
  if (error instanceof PullError) {
    // A stall may be one bad connection: one fresh ZIP, and if that crawls too, the link itself is the problem.
    if (error.code === 'too_slow')
      return !earlier.some((e) => e instanceof PullError && e.code === 'too_slow');
    return error.code === 'download_failed' || error.code === 'incomplete';
  }
  if (error instanceof SignInRequiredError) return false;
  if (error instanceof BoxApiError) {
    // A failed create was already retried by the client (429 and 5xx, within its time budget); another round
    // would only multiply the wait, and other answers will not change. A refused download URL (429 too many
    // downloads, 5xx) is worth a fresh ZIP: the client never retries that single-use URL itself.
    return error.method === 'GET' && (error.status === 429 || error.status >= 500);
  }
  // A TLS mismatch or a refused certificate will be the same at the next ZIP's address.
  if (error instanceof BoxNetworkError && error.code === 'tls') return false;
  // A full, read-only or forbidden destination stays that way: downloading again cannot help.
  if (LOCAL_FILE_SYSTEM_CODES.has((error as { code?: string } | undefined)?.code ?? '')) return false;
  // Network errors, cut streams and idle timeouts.
  return true;
}

/**
 * A failure that left its staging folder behind: the user has to know where it is, and whether it holds originals
 * that placing could not put back (`reason`, from removeStagingDir), which must not be deleted.
 */
export function withLeftover(failure: unknown, staging: string, reason = ''): unknown {
  const keptOriginals = reason.includes('original files');
  if (isAbortError(failure)) {
    // A cancel that left something behind must not be told as one that left the destination as it was.
    return Object.assign(failure as object, { destinationRestored: false, leftover: staging });
  }
  if (!(failure instanceof PullError)) return failure;
  const sentence = /[.!?]$/.test(failure.message) ? failure.message : `${failure.message}.`;
  const advice = keptOriginals
    ? `Original files that could not be put back are kept in ${staging}; move them back by hand.`
    : `Its temporary folder ${staging} could not be removed; delete it once the destination is writable again.`;
  return new PullError(failure.code, `${sentence} ${advice}`, { cause: failure.cause });
}

/** The failure as a PullError a front end can show (aborts stay aborts). */
export function toPullError(error: unknown): unknown {
  if (error instanceof PullError || isAbortError(error)) return error;
  if (error instanceof SignInRequiredError) {
    return new PullError('sign_in_required', error.message, { cause: error });
  }
  if (error instanceof BoxApiError) {
    if (error.code === 'zip_download_file_count_exceeded_limit') {
      return new PullError(
        'too_large',
        // Box's limit depends on the account: its own words, not a number of ours. One folder is split instead
        // (plannedPull.ts); this is for several items or the whole account at once.
        `This selection has more files than Box allows in one ZIP download. Download its folders separately. (${error.message})`,
        { cause: error },
      );
    }
    if (error.code === 'zip_download_pre_compressed_bytes_exceeded_limit') {
      return new PullError('too_large', 'This selection is larger than Box allows in one ZIP download.', {
        cause: error,
      });
    }
    if (error.status === 404) {
      return new PullError(
        'not_found',
        `Box could not find the item, or you cannot see it. ${error.message}`,
        {
          cause: error,
        },
      );
    }
    if (error.status === 403) {
      return new PullError('access_denied', `Box refused access. ${error.message}`, { cause: error });
    }
    return new PullError('download_failed', error.message, { cause: error });
  }
  if (error instanceof ArchiveError) {
    const code = error.code === 'disk_full' || error.code === 'io' ? 'destination' : 'archive_invalid';
    return new PullError(code, error.message, { cause: error });
  }
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new PullError('destination', `The disk is full: ${messageOf(error)}`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new PullError('destination', `Cannot write to the destination: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return new PullError('download_failed', `The download failed: ${messageOf(error)}`, { cause: error });
}
