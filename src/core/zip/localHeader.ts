/**
 * Parsing of the records a ZIP stream carries before its central directory: local file headers and data
 * descriptors (APPNOTE 4.3.7, 4.3.9, 4.5.3). Pure functions over buffers; streamingExtractor.ts uses them to
 * extract while the archive downloads. Nothing parsed here is trusted on its own: the central directory, read
 * once the download is complete, must agree with every entry extracted this way.
 */
export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
export const LOCAL_HEADER_FIXED_BYTES = 30;
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
const ZIP64_EXTRA_FIELD = 0x0001;
const UNICODE_PATH_EXTRA_FIELD = 0x7075;
const UNIVERSAL_TIME_EXTRA_FIELD = 0x5455;
const ZIP64_MARKER = 0xffffffff;
const UTF8_FLAG = 0x800;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface LocalHeader {
  flags: number;
  method: number;
  /** Zero when a data descriptor follows (bit 3). */
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  nameRaw: Buffer;
  /** Offset of the data from the header's start. */
  dataOffset: number;
  hasDataDescriptor: boolean;
  encrypted: boolean;
  hasZip64Extra: boolean;
  /** The name could be read the same way the central directory's would; undefined when it needs that context. */
  name?: string;
  modifiedTime: Date;
}

/** Lengths of the variable parts, from the fixed part alone (at least 30 bytes). */
export function localHeaderLength(fixed: Buffer): number {
  return LOCAL_HEADER_FIXED_BYTES + fixed.readUInt16LE(26) + fixed.readUInt16LE(28);
}

/** Parses a whole local header (`localHeaderLength` bytes, signature already checked). */
export function parseLocalHeader(head: Buffer): LocalHeader {
  const flags = head.readUInt16LE(6);
  const nameLength = head.readUInt16LE(26);
  const extraLength = head.readUInt16LE(28);
  const nameRaw = head.subarray(LOCAL_HEADER_FIXED_BYTES, LOCAL_HEADER_FIXED_BYTES + nameLength);
  const extra = head.subarray(
    LOCAL_HEADER_FIXED_BYTES + nameLength,
    LOCAL_HEADER_FIXED_BYTES + nameLength + extraLength,
  );
  let compressedSize = head.readUInt32LE(18);
  let uncompressedSize = head.readUInt32LE(22);
  const fields = extraFields(extra);
  const zip64 = fields.get(ZIP64_EXTRA_FIELD);
  if (zip64 !== undefined) {
    // In a local header the ZIP64 field holds both sizes, uncompressed first (APPNOTE 4.5.3).
    let at = 0;
    if (uncompressedSize === ZIP64_MARKER && zip64.length >= at + 8) {
      uncompressedSize = Number(zip64.readBigUInt64LE(at));
      at += 8;
    }
    if (compressedSize === ZIP64_MARKER && zip64.length >= at + 8) {
      compressedSize = Number(zip64.readBigUInt64LE(at));
    }
  }
  const header: LocalHeader = {
    flags,
    method: head.readUInt16LE(8),
    crc32: head.readUInt32LE(14),
    compressedSize,
    uncompressedSize,
    nameRaw,
    dataOffset: LOCAL_HEADER_FIXED_BYTES + nameLength + extraLength,
    hasDataDescriptor: (flags & 0x8) !== 0,
    encrypted: (flags & 0x1) !== 0,
    hasZip64Extra: zip64 !== undefined,
    modifiedTime:
      universalTime(fields.get(UNIVERSAL_TIME_EXTRA_FIELD)) ??
      dosDateTime(head.readUInt16LE(12), head.readUInt16LE(10)),
  };
  const name = simpleName(nameRaw, flags, fields.has(UNICODE_PATH_EXTRA_FIELD));
  if (name !== undefined) header.name = name;
  return header;
}

export interface DataDescriptor {
  /** Bytes the descriptor occupies. */
  length: number;
}

/**
 * Finds the data descriptor that follows an entry's data: with or without its optional signature, with 4- or
 * 8-byte sizes. Accepted only if its values equal what was measured and the bytes after it start the next
 * record, so a stray match cannot shift the stream. `bytes` starts right after the entry's data.
 */
export function matchDataDescriptor(
  bytes: Buffer,
  measured: { crc32: number; compressedSize: number; uncompressedSize: number },
): DataDescriptor | undefined {
  const candidates: { signed: boolean; wide: boolean }[] = [
    { signed: true, wide: false },
    { signed: true, wide: true },
    { signed: false, wide: false },
    { signed: false, wide: true },
  ];
  for (const { signed, wide } of candidates) {
    let at = 0;
    if (signed) {
      if (bytes.length < 4 || bytes.readUInt32LE(0) !== DATA_DESCRIPTOR_SIGNATURE) continue;
      at = 4;
    }
    const length = at + 4 + (wide ? 16 : 8);
    if (bytes.length < length + 4) continue;
    const crc = bytes.readUInt32LE(at);
    const compressed = wide ? Number(bytes.readBigUInt64LE(at + 4)) : bytes.readUInt32LE(at + 4);
    const uncompressed = wide ? Number(bytes.readBigUInt64LE(at + 12)) : bytes.readUInt32LE(at + 8);
    const next = bytes.readUInt32LE(length);
    if (
      crc === measured.crc32 &&
      compressed === measured.compressedSize &&
      uncompressed === measured.uncompressedSize &&
      (next === LOCAL_HEADER_SIGNATURE || next === CENTRAL_HEADER_SIGNATURE)
    ) {
      return { length };
    }
  }
  return undefined;
}

/**
 * Names the stream can decode on its own: UTF-8-flagged names that are valid UTF-8, and plain ASCII. Anything
 * else (CP437, UTF-8 without the flag, an Info-ZIP Unicode path field) is left to the central directory pass,
 * which decodes names with all the rules of entryNames.ts.
 */
function simpleName(raw: Buffer, flags: number, hasUnicodePathField: boolean): string | undefined {
  if (hasUnicodePathField) return undefined;
  if ((flags & UTF8_FLAG) !== 0) {
    try {
      return strictUtf8.decode(raw);
    } catch {
      return undefined;
    }
  }
  for (let i = 0; i < raw.length; i++) if (raw[i] > 0x7f) return undefined;
  return raw.toString('latin1');
}

function extraFields(extra: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) break;
    if (!fields.has(id)) fields.set(id, extra.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return fields;
}

/** Info-ZIP's "UT" field: flags, then the modification time first if bit 0 is set (as yauzl reads it). */
function universalTime(field: Buffer | undefined): Date | undefined {
  if (field === undefined || field.length < 5 || (field[0] & 1) === 0) return undefined;
  return new Date(field.readInt32LE(1) * 1000);
}

/** MS-DOS date and time, read as local time like yauzl does. */
function dosDateTime(date: number, time: number): Date {
  return new Date(
    ((date >> 9) & 0x7f) + 1980,
    ((date >> 5) & 0xf) - 1,
    date & 0x1f,
    (time >> 11) & 0x1f,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
}
