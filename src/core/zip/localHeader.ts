/**
 * The records a ZIP stream carries before its central directory: local file headers and data descriptors
 * (APPNOTE 4.3.7, 4.3.9, 4.5.3). Pure functions over buffers. The streaming pass parses local headers to extract
 * while the archive downloads (nothing parsed that way is trusted on its own: the central directory must agree
 * with every entry); the central directory pass checks each local header against its central entry.
 */
import * as yauzl from 'yauzl';
import type { ArchiveEntry } from './centralDirectory';
import { nameWithoutCentralDirectory } from './entryNames';
import {
  CENTRAL_HEADER_SIGNATURE,
  DATA_DESCRIPTOR_SIGNATURE,
  EXTRA_TIMESTAMPS,
  EXTRA_ZIP64,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  LOCAL_HEADER,
  LOCAL_HEADER_FIXED_BYTES,
  LOCAL_HEADER_SIGNATURE,
  ZIP64_MARKER,
} from './format';
import { ArchiveError } from '../errors';

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
  /**
   * Only the MS-DOS time (2-second steps, local time) is in this header: the central directory may say better
   * (yazl, for one, puts its "UT" field there only).
   */
  dosTimeOnly: boolean;
}

/**
 * Parses a whole local header (`localHeaderLength` bytes, signature already checked). Throws on a malformed extra
 * field: the streaming pass then stops and leaves the entry to the central directory pass.
 */
export function parseLocalHeader(head: Buffer): LocalHeader {
  const flags = head.readUInt16LE(LOCAL_HEADER.flags);
  const nameLength = head.readUInt16LE(LOCAL_HEADER.nameLength);
  const extraLength = head.readUInt16LE(LOCAL_HEADER.extraLength);
  const nameRaw = head.subarray(LOCAL_HEADER_FIXED_BYTES, LOCAL_HEADER_FIXED_BYTES + nameLength);
  const dataOffset = LOCAL_HEADER_FIXED_BYTES + nameLength + extraLength;
  const extraFields = yauzl.parseExtraFields(
    head.subarray(LOCAL_HEADER_FIXED_BYTES + nameLength, dataOffset),
  );
  let compressedSize = head.readUInt32LE(LOCAL_HEADER.compressedSize);
  let uncompressedSize = head.readUInt32LE(LOCAL_HEADER.uncompressedSize);
  const zip64 = extraFields.find((field) => field.id === EXTRA_ZIP64)?.data;
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
    method: head.readUInt16LE(LOCAL_HEADER.method),
    crc32: head.readUInt32LE(LOCAL_HEADER.crc32),
    compressedSize,
    uncompressedSize,
    nameRaw,
    dataOffset,
    hasDataDescriptor: (flags & FLAG_DATA_DESCRIPTOR) !== 0,
    encrypted: (flags & FLAG_ENCRYPTED) !== 0,
    hasZip64Extra: zip64 !== undefined,
    modifiedTime: lastModified(
      extraFields,
      head.readUInt16LE(LOCAL_HEADER.date),
      head.readUInt16LE(LOCAL_HEADER.time),
    ),
    dosTimeOnly: !extraFields.some((field) => EXTRA_TIMESTAMPS.includes(field.id)),
  };
  const name = nameWithoutCentralDirectory(nameRaw, flags, extraFields);
  if (name !== undefined) header.name = name;
  return header;
}

/**
 * The modification time by yauzl's own rules (Info-ZIP "UT" and NTFS extra fields, else MS-DOS local time), so
 * that the streaming pass and the central directory pass read the same time from the same fields.
 */
function lastModified(extraFields: yauzl.ExtraField[], date: number, time: number): Date {
  const entry = Object.assign(Object.create(yauzl.Entry.prototype) as yauzl.Entry, {
    extraFields,
    lastModFileDate: date,
    lastModFileTime: time,
  });
  return entry.getLastModDate();
}

/**
 * Checks the local header in `head` (read from the entry's local header offset) against the central directory's
 * entry, and that the data ends before the next entry begins. Returns the offset of the data within `head`.
 */
export function checkLocalHeader(head: Buffer, entry: ArchiveEntry): number {
  const quoted = JSON.stringify(entry.archiveName);
  const disagree = (what: string): never => {
    throw new ArchiveError(
      'invalid',
      `The local header disagrees with the central directory (${what}): ${quoted}`,
      {
        entryName: entry.archiveName,
      },
    );
  };
  if (head.length < LOCAL_HEADER_FIXED_BYTES || head.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE)
    disagree('no local header');
  const flags = head.readUInt16LE(LOCAL_HEADER.flags);
  const method = head.readUInt16LE(LOCAL_HEADER.method);
  const nameLength = head.readUInt16LE(LOCAL_HEADER.nameLength);
  const extraLength = head.readUInt16LE(LOCAL_HEADER.extraLength);
  if (method !== entry.method) disagree(`compression method ${method} vs ${entry.method}`);
  if (flags & FLAG_ENCRYPTED) disagree('encryption flag');
  if (nameLength !== entry.nameRaw.length) disagree('name length');
  if (!head.subarray(LOCAL_HEADER_FIXED_BYTES, LOCAL_HEADER_FIXED_BYTES + nameLength).equals(entry.nameRaw))
    disagree('name');
  if ((flags & FLAG_DATA_DESCRIPTOR) === 0) {
    // Without a data descriptor the local header carries the real values (or the ZIP64 marker).
    if (head.readUInt32LE(LOCAL_HEADER.crc32) !== entry.crc32) disagree('CRC-32');
    const compressedSize = head.readUInt32LE(LOCAL_HEADER.compressedSize);
    const uncompressedSize = head.readUInt32LE(LOCAL_HEADER.uncompressedSize);
    if (compressedSize !== ZIP64_MARKER && compressedSize !== entry.compressedSize)
      disagree('compressed size');
    if (uncompressedSize !== ZIP64_MARKER && uncompressedSize !== entry.uncompressedSize) disagree('size');
  }
  const dataOffset = LOCAL_HEADER_FIXED_BYTES + nameLength + extraLength;
  if (entry.localHeaderOffset + dataOffset + entry.compressedSize > entry.dataLimit) {
    throw new ArchiveError(
      'zip_bomb',
      `Entry data overlaps the next entry (overlapping entries): ${quoted}`,
      {
        entryName: entry.archiveName,
      },
    );
  }
  return dataOffset;
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
