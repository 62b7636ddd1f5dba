// File-system failures while extracting, as ArchiveErrors the pipeline can judge (disk full vs other I/O).
import { ArchiveError, messageOf } from '../errors';

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
  const detail = messageOf(error);
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
