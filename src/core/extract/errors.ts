/**
 * Errors raised while reading an archive or writing its contents. Every failure of `extractZip` is either an
 * `ArchiveError` with a stable `code` (the UI maps codes to messages and decides whether to retry the download) or
 * an AbortError when the caller cancelled.
 */
export type ArchiveErrorCode =
  | 'truncated'
  | 'invalid'
  | 'crc_mismatch'
  | 'size_mismatch'
  | 'unsupported_compression'
  | 'encrypted'
  | 'zip_bomb'
  | 'too_many_entries'
  | 'unsafe_path'
  | 'symlink'
  | 'duplicate'
  | 'disk_full'
  | 'io';

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  /** The entry name as stored in the archive, when the failure concerns one entry. */
  readonly entryName?: string;

  constructor(
    code: ArchiveErrorCode,
    message: string,
    options: { entryName?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArchiveError';
    this.code = code;
    if (options.entryName !== undefined) this.entryName = options.entryName;
  }
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** Maps a file-system error to `disk_full` or `io`, keeping the original error as `cause`. */
export function fileSystemError(error: unknown, action: string, entryName?: string): ArchiveError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && DISK_FULL_CODES.has(code)) {
    return new ArchiveError(
      'disk_full',
      `Not enough disk space to ${action} (${code}). Free some space and try again.`,
      {
        entryName,
        cause: error,
      },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ArchiveError('io', `Could not ${action}: ${detail}`, { entryName, cause: error });
}

/** A file that could not be created or written: EEXIST means two entries map to one file here. */
export function writeError(error: unknown, entryName: string): ArchiveError {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
    return new ArchiveError(
      'duplicate',
      `Two entries map to the same file on this file system: ${JSON.stringify(entryName)}`,
      { entryName, cause: error },
    );
  }
  return fileSystemError(error, `write ${JSON.stringify(entryName)}`, entryName);
}

/** Streamed entries disagree with the central directory: their files must be discarded and extraction redone. */
export class StreamMismatchError extends Error {
  override readonly name = 'StreamMismatchError';
}
