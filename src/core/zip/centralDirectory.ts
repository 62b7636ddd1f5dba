import { abortError } from '../abort';
import * as yauzl from 'yauzl';
import { BlockCachingReader } from './archiveReader';
import { decodeEntryName } from './entryNames';
import {
  CENTRAL_HEADER_FIXED_BYTES,
  FLAG_ENCRYPTED,
  LOCAL_HEADER_FIXED_BYTES,
  METHOD_DEFLATE,
  METHOD_STORE,
} from './format';
import { ArchiveError, StreamMismatchError } from '../errors';

/**
 * Reads and vets the whole central directory before a single byte is extracted. yauzl parses the end-of-central-
 * directory record, the ZIP64 locator/record and each central header (lengths, ZIP64 extra fields, stored-size
 * consistency); on top of that this module rejects, per entry: encryption, symlinks, methods other than store and
 * deflate, data that runs into the central directory, implausible compression ratios, a total over the size cap,
 * and entries whose local headers or data overlap (the "non-recursive" zip bomb).
 */
export interface ExtractLimits {
  /** Entries in the central directory (files and folders). */
  maxEntries: number;
  /** Sum of declared uncompressed sizes, and of bytes actually written. */
  maxTotalBytes: number;
  /** Uncompressed/compressed ratio allowed for entries above `RATIO_CHECK_THRESHOLD` bytes. */
  maxEntryRatio: number;
}

export const DEFAULT_LIMITS: ExtractLimits = {
  maxEntries: 200_000,
  maxTotalBytes: 32 * 1024 ** 3,
  maxEntryRatio: 1000,
};

/** Small entries may compress extremely well (a file of zeros) without being a threat. */
export const RATIO_CHECK_THRESHOLD = 1024 * 1024;

/** Unix file types in the high 16 bits of the external attributes (as Info-ZIP writes them). */
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const DOS_DIRECTORY_ATTRIBUTE = 0x10;

export interface ArchiveEntry {
  /** The name as stored in the archive (decoded, separators untouched). */
  archiveName: string;
  isDirectory: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** Raw name bytes, compared with the local header's. */
  nameRaw: Buffer;
  /** Length of the central extra field: the local one is usually about as long. */
  centralExtraLength: number;
  /** The first byte the next local header (or the central directory) occupies: this entry's data must end before. */
  dataLimit: number;
  modifiedTime: Date;
}

export interface CentralDirectory {
  entries: ArchiveEntry[];
  fileSize: number;
  centralDirectoryOffset: number;
  totalUncompressedBytes: number;
}

const YAUZL_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  // We decode names ourselves (entryNames.ts) so that backslashes reach mapEntryName unchanged; with
  // decodeStrings:false yauzl skips its own name validation, which mapEntryName replaces.
  decodeStrings: false,
  validateEntrySizes: true,
  strictFileNames: false,
};

/** Reads the central directory through `fd` (owned by the caller, which also closes it). */
export async function readCentralDirectory(
  fd: number,
  fileSize: number,
  limits: ExtractLimits,
  signal: AbortSignal,
  unreadableBefore = 0,
): Promise<CentralDirectory> {
  const zipfile = await openZip(fd, fileSize, unreadableBefore);
  try {
    if (zipfile.entryCount > limits.maxEntries) {
      throw new ArchiveError(
        'too_many_entries',
        `The archive lists ${zipfile.entryCount} entries; the limit is ${limits.maxEntries}.`,
      );
    }
    if (zipfile.entryCount * CENTRAL_HEADER_FIXED_BYTES > zipfile.fileSize) {
      throw new ArchiveError(
        'invalid',
        `The archive claims ${zipfile.entryCount} entries, more than it can hold.`,
      );
    }
    // yauzl keeps the central directory's start in its read cursor until the first readEntry().
    const centralDirectoryOffset = (zipfile as unknown as { readEntryCursor: number }).readEntryCursor;
    const entries: ArchiveEntry[] = [];
    let totalUncompressedBytes = 0;
    await forEachEntry(zipfile, signal, (entry) => {
      const vetted = vetEntry(entry, centralDirectoryOffset, limits);
      totalUncompressedBytes += vetted.uncompressedSize;
      if (totalUncompressedBytes > limits.maxTotalBytes) {
        throw new ArchiveError(
          'zip_bomb',
          `The archive would expand to more than ${limits.maxTotalBytes} bytes (the size limit).`,
          { entryName: vetted.archiveName },
        );
      }
      entries.push(vetted);
    });
    assignDataLimits(entries, centralDirectoryOffset);
    return { entries, fileSize: zipfile.fileSize, centralDirectoryOffset, totalUncompressedBytes };
  } finally {
    zipfile.close();
  }
}

function openZip(fd: number, fileSize: number, unreadableBefore: number): Promise<yauzl.ZipFile> {
  if (fileSize > Number.MAX_SAFE_INTEGER) {
    return Promise.reject(new ArchiveError('invalid', 'The archive is too large to read.'));
  }
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      new BlockCachingReader(fd, fileSize, unreadableBefore),
      fileSize,
      YAUZL_OPTIONS,
      (error, zipfile) => {
        if (error) reject(translateYauzlError(error));
        else resolve(zipfile);
      },
    );
  });
}

function forEachEntry(
  zipfile: yauzl.ZipFile,
  signal: AbortSignal,
  visit: (entry: yauzl.Entry) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: unknown): void => {
      zipfile.removeAllListeners('entry');
      zipfile.removeAllListeners('end');
      zipfile.removeAllListeners('error');
      // A late yauzl error after we stopped reading must not become an unhandled 'error' event.
      zipfile.on('error', () => undefined);
      if (error === undefined) resolve();
      else reject(error);
    };
    zipfile.on('entry', (entry: yauzl.Entry) => {
      try {
        if (signal.aborted) throw abortError(signal);
        visit(entry);
      } catch (error) {
        finish(error);
        return;
      }
      zipfile.readEntry();
    });
    zipfile.once('end', () => finish());
    zipfile.once('error', (error: Error) => finish(translateYauzlError(error)));
    zipfile.readEntry();
  });
}

function vetEntry(entry: yauzl.Entry, centralDirectoryOffset: number, limits: ExtractLimits): ArchiveEntry {
  const archiveName = decodeEntryName(entry);
  const fail = (code: ArchiveError['code'], message: string): never => {
    throw new ArchiveError(code, `${message}: ${JSON.stringify(archiveName)}`, { entryName: archiveName });
  };
  if (entry.generalPurposeBitFlag & FLAG_ENCRYPTED)
    fail('encrypted', 'The archive contains an encrypted entry');

  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) fail('symlink', 'The archive contains a symbolic link');
  const isDirectory =
    archiveName.endsWith('/') ||
    archiveName.endsWith('\\') ||
    (entry.uncompressedSize === 0 &&
      (mode === S_IFDIR || (entry.externalFileAttributes & DOS_DIRECTORY_ATTRIBUTE) !== 0));
  if (isDirectory && entry.uncompressedSize !== 0) fail('invalid', 'A folder entry has content');
  if (
    !isDirectory &&
    entry.compressionMethod !== METHOD_STORE &&
    entry.compressionMethod !== METHOD_DEFLATE
  ) {
    fail(
      'unsupported_compression',
      `Compression method ${entry.compressionMethod} is not supported (only store and deflate)`,
    );
  }

  const minimumEnd =
    entry.relativeOffsetOfLocalHeader +
    LOCAL_HEADER_FIXED_BYTES +
    entry.fileNameLength +
    entry.compressedSize;
  if (minimumEnd > centralDirectoryOffset)
    fail('invalid', 'Entry data runs past the start of the central directory');

  if (
    entry.uncompressedSize > RATIO_CHECK_THRESHOLD &&
    entry.uncompressedSize > limits.maxEntryRatio * Math.max(entry.compressedSize, 1)
  ) {
    fail(
      'zip_bomb',
      `An entry claims to expand ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}-fold ` +
        `(limit ${limits.maxEntryRatio})`,
    );
  }
  return {
    archiveName,
    isDirectory,
    method: entry.compressionMethod,
    crc32: entry.crc32,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    localHeaderOffset: entry.relativeOffsetOfLocalHeader,
    nameRaw: entry.fileNameRaw,
    centralExtraLength: entry.extraFieldLength,
    dataLimit: centralDirectoryOffset,
    modifiedTime: entry.getLastModDate(),
  };
}

/**
 * Every entry owns the byte range from its local header to the next entry's local header. Sharing a local header
 * or overlapping the next one is how the non-recursive zip bomb (Fifield 2019) multiplies one compressed stream.
 */
function assignDataLimits(entries: ArchiveEntry[], centralDirectoryOffset: number): void {
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const entry = byOffset[i];
    const next = byOffset[i + 1];
    const limit = next === undefined ? centralDirectoryOffset : next.localHeaderOffset;
    if (next !== undefined && next.localHeaderOffset === entry.localHeaderOffset) {
      throw new ArchiveError(
        'zip_bomb',
        `Several entries share one local header (overlapping entries): ${JSON.stringify(next.archiveName)}`,
        { entryName: next.archiveName },
      );
    }
    if (
      entry.localHeaderOffset + LOCAL_HEADER_FIXED_BYTES + entry.nameRaw.length + entry.compressedSize >
      limit
    ) {
      throw new ArchiveError(
        'zip_bomb',
        `Entry data overlaps the next entry (overlapping entries): ${JSON.stringify(entry.archiveName)}`,
        { entryName: entry.archiveName },
      );
    }
    entry.dataLimit = limit;
  }
}

/** yauzl reports everything as plain `Error`s; this gives them our codes. */
export function translateYauzlError(error: Error): ArchiveError | Error {
  if (
    error instanceof ArchiveError ||
    error instanceof StreamMismatchError ||
    (error as { name?: string }).name === 'AbortError'
  )
    return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new ArchiveError('io', `Could not read the archive: ${error.message}`, { cause: error });
  }
  const message = error.message;
  const rules: [RegExp, ArchiveError['code'], string][] = [
    [
      /end of central directory record signature not found/i,
      'truncated',
      'The archive has no central directory: the download was cut short, or the file is not a ZIP archive.',
    ],
    [/unexpected EOF/i, 'truncated', 'The archive ends too early: the download was cut short.'],
    [/strong encryption/i, 'encrypted', 'The archive uses strong encryption, which is not supported.'],
    [
      /size mismatch|too many bytes|not enough bytes/i,
      'size_mismatch',
      `Entry sizes are inconsistent: ${message}`,
    ],
    [/multi-disk/i, 'invalid', 'Multi-part (spanned) archives are not supported.'],
  ];
  for (const [pattern, archiveCode, text] of rules) {
    if (pattern.test(message)) return new ArchiveError(archiveCode, text, { cause: error });
  }
  return new ArchiveError('invalid', `The archive is damaged: ${message}`, { cause: error });
}
