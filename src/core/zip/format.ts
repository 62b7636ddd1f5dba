// The fixed vocabulary of the ZIP format (PKWARE APPNOTE.TXT 6.3): record signatures, header sizes, flag bits,
// extra-field ids and the offsets of a local file header's fixed part. Every reader takes them from here.

/** "PK\x03\x04", a local file header (APPNOTE 4.3.7). */
export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
/** "PK\x01\x02", a central directory file header (4.3.12); the first one ends the entries. */
export const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
/** "PK\x07\x08", the optional signature of a data descriptor (4.3.9.3). */
export const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;

export const LOCAL_HEADER_FIXED_BYTES = 30;
export const CENTRAL_HEADER_FIXED_BYTES = 46;

/** Offsets within a local file header's fixed part (4.3.7), all little-endian. */
export const LOCAL_HEADER = {
  /** uint16: general purpose bit flag. */
  flags: 6,
  /** uint16: compression method. */
  method: 8,
  /** uint16: MS-DOS time, then uint16 MS-DOS date. */
  time: 10,
  date: 12,
  /** uint32: zero when a data descriptor follows. */
  crc32: 14,
  /** uint32 each; ZIP64_MARKER means "see the ZIP64 extra field". */
  compressedSize: 18,
  uncompressedSize: 22,
  /** uint16 each: the lengths of the name and the extra field that follow the fixed part. */
  nameLength: 26,
  extraLength: 28,
} as const;

/** A 32-bit size or offset of 0xFFFFFFFF: the real value is in the ZIP64 extra field (4.4.8, 4.5.3). */
export const ZIP64_MARKER = 0xffffffff;

/** General purpose bit flags (4.4.4). */
export const FLAG_ENCRYPTED = 0x1;
export const FLAG_DATA_DESCRIPTOR = 0x8;
export const FLAG_UTF8 = 0x800;

/** Extra field header ids (4.5.2, 4.6). */
export const EXTRA_ZIP64 = 0x0001;
export const EXTRA_UNICODE_PATH = 0x7075;
/** Precise modification times: Info-ZIP's "UT" and NTFS's (yauzl's `getLastModDate` reads both). */
export const EXTRA_TIMESTAMPS: readonly number[] = [0x5455, 0x000a];

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;

/** The sizes of a local header's variable parts, from its fixed part alone. */
export function localHeaderLength(fixed: Buffer): number {
  return (
    LOCAL_HEADER_FIXED_BYTES +
    fixed.readUInt16LE(LOCAL_HEADER.nameLength) +
    fixed.readUInt16LE(LOCAL_HEADER.extraLength)
  );
}
