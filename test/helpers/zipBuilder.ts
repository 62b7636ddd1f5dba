import * as zlib from 'node:zlib';

/**
 * A raw ZIP writer for tests: every header field can be set or falsified, so hostile archives (zip slip, symlinks,
 * lying sizes, bad CRCs, overlapping entries, broken ZIP64 records, missing central directory...) can be built in
 * memory. Defaults produce a valid archive that Info-ZIP and yauzl accept.
 */
export interface RawEntry {
  /** Name in the central directory (and the local header unless `localName` is set). */
  name: string | Buffer;
  /** Uncompressed content. Default empty. */
  data?: Buffer | string;
  /** 0 = store, 8 = deflate (default for non-empty data); any other value stores `payload ?? data` as-is. */
  method?: number;
  /** Bytes placed after the local header instead of the compressed `data`. */
  payload?: Buffer;
  /** Declared values (default: the true ones). */
  crc32?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** Extra general-purpose flag bits (bit 11, UTF-8, is set unless `utf8: false`). */
  flags?: number;
  utf8?: boolean;
  /** Bit 3: zero CRC/sizes in the local header, data descriptor after the data. */
  dataDescriptor?: boolean;
  /** Write the ZIP64 extra field (and 0xFFFFFFFF markers); automatic when a value needs it. */
  zip64?: boolean;
  /** Replace the ZIP64 extra field of the central header (null: omit it even though markers are written). */
  centralZip64Extra?: Buffer | null;
  versionMadeBy?: number;
  externalAttributes?: number;
  /** Overrides for the local header only. */
  localName?: string | Buffer;
  localMethod?: number;
  localFlags?: number;
  localCrc32?: number;
  localExtra?: Buffer;
  centralExtra?: Buffer;
  /** Write no local header: the central entry points at entry `index`'s local header. */
  sharesLocalHeaderWith?: number;
  /** Force the central directory's local-header offset. */
  localHeaderOffset?: number;
  /** Write no central directory record for this entry (it only exists as a local header). */
  omitFromCentralDirectory?: boolean;
  date?: Date;
}

export interface RawZipOptions {
  /** Stop after the local headers and data: no central directory, no end record (a cut stream). */
  omitCentralDirectory?: boolean;
  /** Write the ZIP64 end of central directory record and locator. */
  zip64EndRecord?: boolean;
  /** Corrupt the ZIP64 end record's signature. */
  badZip64EndRecordSignature?: boolean;
  /** Point the ZIP64 locator at this offset instead of the ZIP64 end record. */
  zip64LocatorOffset?: number;
  /** Override the entry count in the end record(s). */
  entryCount?: number;
  /** Override the central directory offset in the end record(s). */
  centralDirectoryOffset?: number;
  comment?: string;
}

export const UNIX_HOST = 3 << 8;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
const ZIP64_MARKER = 0xffffffff;

/** External attributes of a Unix entry with `mode` (type bits included). */
export function unixAttributes(mode: number): number {
  return (mode << 16) >>> 0;
}

export function crc32(data: Buffer): number {
  return zlib.crc32(data) >>> 0;
}

interface Prepared {
  entry: RawEntry;
  name: Buffer;
  localName: Buffer;
  data: Buffer;
  payload: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  flags: number;
  zip64: boolean;
  dosTime: number;
  dosDate: number;
  offset: number;
}

export function buildZip(entries: RawEntry[], options: RawZipOptions = {}): Buffer {
  const chunks: Buffer[] = [];
  let position = 0;
  const push = (chunk: Buffer): void => {
    chunks.push(chunk);
    position += chunk.length;
  };

  const prepared: Prepared[] = entries.map((entry) => prepare(entry));
  prepared.forEach((item, index) => {
    const { entry } = item;
    if (entry.sharesLocalHeaderWith !== undefined) {
      if (entry.sharesLocalHeaderWith >= index)
        throw new Error('sharesLocalHeaderWith must name an earlier entry');
      item.offset = prepared[entry.sharesLocalHeaderWith].offset;
      return;
    }
    item.offset = position;
    push(localHeader(item));
    push(item.payload);
    if (entry.dataDescriptor) push(dataDescriptor(item));
  });
  if (options.omitCentralDirectory) return Buffer.concat(chunks);

  const centralDirectoryOffset = position;
  let written = 0;
  for (const item of prepared) {
    if (item.entry.omitFromCentralDirectory) continue;
    push(centralHeader(item));
    written++;
  }
  const centralDirectorySize = position - centralDirectoryOffset;
  const count = options.entryCount ?? written;
  const cdOffset = options.centralDirectoryOffset ?? centralDirectoryOffset;

  if (options.zip64EndRecord) {
    const zip64EndOffset = position;
    const record = Buffer.alloc(56);
    record.writeUInt32LE(options.badZip64EndRecordSignature ? 0x06064b51 : 0x06064b50, 0);
    writeUInt64(record, 44, 4); // size of the rest of the record
    record.writeUInt16LE(UNIX_HOST | 45, 12);
    record.writeUInt16LE(45, 14);
    writeUInt64(record, count, 24);
    writeUInt64(record, count, 32);
    writeUInt64(record, centralDirectorySize, 40);
    writeUInt64(record, cdOffset, 48);
    push(record);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    writeUInt64(locator, options.zip64LocatorOffset ?? zip64EndOffset, 8);
    locator.writeUInt32LE(1, 16);
    push(locator);
  }

  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(Math.min(centralDirectorySize, ZIP64_MARKER), 12);
  end.writeUInt32LE(options.zip64EndRecord ? ZIP64_MARKER : cdOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  push(end);
  push(comment);
  return Buffer.concat(chunks);
}

function prepare(entry: RawEntry): Prepared {
  const name = toBuffer(entry.name);
  const data = toBuffer(entry.data ?? '');
  const method = entry.method ?? (data.length > 0 ? 8 : 0);
  const payload = entry.payload ?? (method === 8 ? zlib.deflateRawSync(data) : data);
  const compressedSize = entry.compressedSize ?? payload.length;
  const uncompressedSize = entry.uncompressedSize ?? data.length;
  const zip64 = entry.zip64 ?? (compressedSize >= ZIP64_MARKER || uncompressedSize >= ZIP64_MARKER);
  let flags = entry.flags ?? 0;
  if (entry.utf8 !== false) flags |= 0x800;
  if (entry.dataDescriptor) flags |= 0x8;
  const { time, date } = dosDateTime(entry.date ?? new Date(2024, 0, 15, 10, 30, 0));
  return {
    entry,
    name,
    localName: entry.localName === undefined ? name : toBuffer(entry.localName),
    data,
    payload,
    method,
    crc: entry.crc32 ?? crc32(data),
    compressedSize,
    uncompressedSize,
    flags,
    zip64,
    dosTime: time,
    dosDate: date,
    offset: 0,
  };
}

function localHeader(item: Prepared): Buffer {
  const { entry } = item;
  const extras: Buffer[] = [];
  if (item.zip64) {
    const zip64 = Buffer.alloc(20);
    zip64.writeUInt16LE(0x0001, 0);
    zip64.writeUInt16LE(16, 2);
    writeUInt64(zip64, entry.dataDescriptor ? 0 : item.uncompressedSize, 4);
    writeUInt64(zip64, entry.dataDescriptor ? 0 : item.compressedSize, 12);
    extras.push(zip64);
  }
  if (entry.localExtra) extras.push(entry.localExtra);
  const extra = Buffer.concat(extras);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(item.zip64 ? 45 : 20, 4);
  header.writeUInt16LE(entry.localFlags ?? item.flags, 6);
  header.writeUInt16LE(entry.localMethod ?? item.method, 8);
  header.writeUInt16LE(item.dosTime, 10);
  header.writeUInt16LE(item.dosDate, 12);
  const described = entry.dataDescriptor === true;
  header.writeUInt32LE(described ? 0 : (entry.localCrc32 ?? item.crc), 14);
  header.writeUInt32LE(described ? 0 : item.zip64 ? ZIP64_MARKER : item.compressedSize, 18);
  header.writeUInt32LE(described ? 0 : item.zip64 ? ZIP64_MARKER : item.uncompressedSize, 22);
  header.writeUInt16LE(item.localName.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, item.localName, extra]);
}

function dataDescriptor(item: Prepared): Buffer {
  const descriptor = Buffer.alloc(item.zip64 ? 24 : 16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(item.crc, 4);
  if (item.zip64) {
    writeUInt64(descriptor, item.compressedSize, 8);
    writeUInt64(descriptor, item.uncompressedSize, 16);
  } else {
    descriptor.writeUInt32LE(item.compressedSize, 8);
    descriptor.writeUInt32LE(item.uncompressedSize, 12);
  }
  return descriptor;
}

function centralHeader(item: Prepared): Buffer {
  const { entry } = item;
  const offset = entry.localHeaderOffset ?? item.offset;
  const extras: Buffer[] = [];
  if (item.zip64 && entry.centralZip64Extra !== null) {
    if (entry.centralZip64Extra !== undefined) {
      extras.push(entry.centralZip64Extra);
    } else {
      const zip64 = Buffer.alloc(28);
      zip64.writeUInt16LE(0x0001, 0);
      zip64.writeUInt16LE(24, 2);
      writeUInt64(zip64, item.uncompressedSize, 4);
      writeUInt64(zip64, item.compressedSize, 12);
      writeUInt64(zip64, offset, 20);
      extras.push(zip64);
    }
  }
  if (entry.centralExtra) extras.push(entry.centralExtra);
  const extra = Buffer.concat(extras);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(entry.versionMadeBy ?? UNIX_HOST | 45, 4);
  header.writeUInt16LE(item.zip64 ? 45 : 20, 6);
  header.writeUInt16LE(item.flags, 8);
  header.writeUInt16LE(item.method, 10);
  header.writeUInt16LE(item.dosTime, 12);
  header.writeUInt16LE(item.dosDate, 14);
  header.writeUInt32LE(item.crc, 16);
  header.writeUInt32LE(item.zip64 ? ZIP64_MARKER : item.compressedSize, 20);
  header.writeUInt32LE(item.zip64 ? ZIP64_MARKER : item.uncompressedSize, 24);
  header.writeUInt16LE(item.name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt16LE(0, 32);
  header.writeUInt16LE(0, 34);
  header.writeUInt16LE(0, 36);
  const isDirectory = item.name.length > 0 && item.name[item.name.length - 1] === 0x2f;
  const defaultMode = isDirectory ? S_IFDIR | 0o755 : S_IFREG | 0o644;
  header.writeUInt32LE(entry.externalAttributes ?? unixAttributes(defaultMode), 38);
  header.writeUInt32LE(item.zip64 ? ZIP64_MARKER : offset, 42);
  return Buffer.concat([header, item.name, extra]);
}

function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function writeUInt64(buffer: Buffer, value: number, offset: number): void {
  buffer.writeUInt32LE(value % 0x100000000, offset);
  buffer.writeUInt32LE(Math.floor(value / 0x100000000), offset + 4);
}

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}
