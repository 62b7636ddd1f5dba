import * as assert from 'node:assert/strict';
import { LOCAL_HEADER_FIXED_BYTES, localHeaderLength } from '../../../src/core/zip/format';
import { matchDataDescriptor, parseLocalHeader, type LocalHeader } from '../../../src/core/zip/localHeader';
import { buildZip, crc32, type RawEntry } from '../../helpers/zipBuilder';

const GiB = 1024 ** 3;
const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;

/** The local header buildZip writes for `entry`, parsed the way the streaming extractor does. */
function headerOf(entry: RawEntry): { header: LocalHeader; bytes: Buffer } {
  const archive = buildZip([entry], { omitCentralDirectory: true });
  assert.equal(archive.readUInt32LE(0), LOCAL_SIGNATURE);
  const length = localHeaderLength(archive.subarray(0, LOCAL_HEADER_FIXED_BYTES));
  const bytes = archive.subarray(0, length);
  return { header: parseLocalHeader(bytes), bytes };
}

/** An Info-ZIP "UT" extra field: flags, mtime and (local headers only) atime, seconds since 1970. */
function universalTimeField(flags: number, mtimeSeconds: number, atimeSeconds = mtimeSeconds): Buffer {
  const field = Buffer.alloc(4 + 9);
  field.writeUInt16LE(0x5455, 0);
  field.writeUInt16LE(9, 2);
  field[4] = flags;
  field.writeInt32LE(mtimeSeconds, 5);
  field.writeInt32LE(atimeSeconds, 9);
  return field;
}

function extraField(id: number, data: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(data.length, 2);
  return Buffer.concat([header, data]);
}

describe('localHeader — parseLocalHeader', () => {
  it('reads a plain deflated entry: method, CRC-32, sizes, data offset', () => {
    const data = Buffer.from('hello hello hello hello');
    const { header, bytes } = headerOf({ name: 'dir/file.txt', data });
    assert.equal(header.method, 8);
    assert.equal(header.crc32, crc32(data));
    assert.equal(header.uncompressedSize, data.length);
    assert.ok(header.compressedSize > 0 && header.compressedSize < data.length);
    assert.equal(header.name, 'dir/file.txt');
    assert.ok(header.nameRaw.equals(Buffer.from('dir/file.txt')));
    assert.equal(header.dataOffset, LOCAL_HEADER_FIXED_BYTES + 'dir/file.txt'.length);
    assert.equal(header.dataOffset, bytes.length);
    assert.equal(header.hasDataDescriptor, false);
    assert.equal(header.encrypted, false);
    assert.equal(header.hasZip64Extra, false);
  });

  it('localHeaderLength counts the name and the extra field from the fixed part alone', () => {
    const extra = universalTimeField(1, 1_600_000_000);
    const archive = buildZip([{ name: 'abc.txt', data: 'x', localExtra: extra }], {
      omitCentralDirectory: true,
    });
    assert.equal(localHeaderLength(archive.subarray(0, 30)), 30 + 7 + extra.length);
  });

  it('reports a data descriptor (bit 3): CRC-32 and sizes are zero in the header', () => {
    const { header } = headerOf({ name: 'd.txt', data: 'described', dataDescriptor: true });
    assert.equal(header.hasDataDescriptor, true);
    assert.equal(header.crc32, 0);
    assert.equal(header.compressedSize, 0);
    assert.equal(header.uncompressedSize, 0);
  });

  it('reports the encryption flag', () => {
    const { header } = headerOf({ name: 'e.txt', data: 'secret', flags: 0x1 });
    assert.equal(header.encrypted, true);
  });

  it('reads both sizes from the ZIP64 extra field (uncompressed first) when the header holds markers', () => {
    const { header } = headerOf({
      name: 'huge.bin',
      data: 'x',
      compressedSize: 5 * GiB + 3,
      uncompressedSize: 6 * GiB + 7,
    });
    assert.equal(header.hasZip64Extra, true);
    assert.equal(header.uncompressedSize, 6 * GiB + 7);
    assert.equal(header.compressedSize, 5 * GiB + 3);
  });

  it('reads small sizes from a forced ZIP64 extra field', () => {
    const data = Buffer.from('small but zip64 '.repeat(20));
    const { header } = headerOf({ name: 'z.txt', data, zip64: true });
    assert.equal(header.hasZip64Extra, true);
    assert.equal(header.uncompressedSize, data.length);
    assert.ok(header.compressedSize > 0 && header.compressedSize < data.length);
  });

  it('keeps the 32-bit sizes when a ZIP64 field is present but the header holds no markers', () => {
    const field = Buffer.alloc(16);
    field.writeBigUInt64LE(BigInt(7 * GiB), 0);
    field.writeBigUInt64LE(BigInt(8 * GiB), 8);
    const { header } = headerOf({ name: 'n.txt', data: 'abc', method: 0, localExtra: extraField(1, field) });
    assert.equal(header.hasZip64Extra, true);
    assert.equal(header.uncompressedSize, 3);
    assert.equal(header.compressedSize, 3);
  });

  it('decodes a UTF-8 name when the UTF-8 flag (bit 11) is set', () => {
    const name = 'ünïcödé/日本語 名前.txt';
    const { header } = headerOf({ name, data: 'u' });
    assert.ok((header.flags & 0x800) !== 0);
    assert.equal(header.name, name);
  });

  it('leaves the name undefined for invalid UTF-8 under the UTF-8 flag', () => {
    const { header } = headerOf({ name: Buffer.from([0x61, 0xff, 0xfe, 0x2e, 0x74]), data: 'x' });
    assert.equal(header.name, undefined);
    assert.ok(header.nameRaw.equals(Buffer.from([0x61, 0xff, 0xfe, 0x2e, 0x74])));
  });

  it('leaves a non-ASCII name without the UTF-8 flag to the central directory (CP437 or UTF-8?)', () => {
    for (const raw of [Buffer.from('résumé.txt', 'utf8'), Buffer.from('r\x82sum\x82.txt', 'latin1')]) {
      const { header } = headerOf({ name: raw, data: 'x', utf8: false });
      assert.equal(header.flags & 0x800, 0);
      assert.equal(header.name, undefined, raw.toString('hex'));
    }
  });

  it('reads a plain ASCII name without the UTF-8 flag', () => {
    const { header } = headerOf({ name: 'plain/ascii name.txt', data: 'x', utf8: false });
    assert.equal(header.name, 'plain/ascii name.txt');
  });

  it('leaves the name undefined when an Info-ZIP Unicode Path field (0x7075) may override it', () => {
    const unicodePath = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), Buffer.from('other name.txt', 'utf8')]);
    const { header } = headerOf({
      name: 'ascii.txt',
      data: 'x',
      utf8: false,
      localExtra: extraField(0x7075, unicodePath),
    });
    assert.equal(header.name, undefined);
  });

  it('takes the modification time from the UT extra field (one-second precision, odd seconds kept)', () => {
    const mtime = Date.UTC(2021, 3, 5, 10, 11, 13) / 1000;
    const { header } = headerOf({
      name: 'ut.txt',
      data: 'x',
      date: new Date(2000, 0, 1, 0, 0, 0),
      localExtra: universalTimeField(3, mtime, mtime + 1000),
    });
    assert.equal(header.modifiedTime.getTime(), mtime * 1000);
  });

  it('reads a UT time before 1970 as a signed value', () => {
    const { header } = headerOf({ name: 'old.txt', data: 'x', localExtra: universalTimeField(1, -86_400) });
    assert.equal(header.modifiedTime.getTime(), -86_400_000);
  });

  it('falls back to the MS-DOS time (local time, two-second precision) without a usable UT field', () => {
    const date = new Date(2020, 6, 4, 13, 45, 58);
    assert.equal(
      headerOf({ name: 'dos.txt', data: 'x', date }).header.modifiedTime.getTime(),
      date.getTime(),
    );
    // Flag bit 0 clear: the field carries no modification time.
    const noMtime = headerOf({ name: 'dos.txt', data: 'x', date, localExtra: universalTimeField(2, 123) });
    assert.equal(noMtime.header.modifiedTime.getTime(), date.getTime());
    // A truncated field is ignored as well.
    const truncated = headerOf({
      name: 'dos.txt',
      data: 'x',
      date,
      localExtra: extraField(0x5455, Buffer.from([1, 0, 0])),
    });
    assert.equal(truncated.header.modifiedTime.getTime(), date.getTime());
  });

  // yauzl's parseExtraFields refuses it; the streaming pass then stops at this entry and the central directory
  // pass, which never reads local extra fields, extracts it.
  it('refuses an extra field whose last record claims more bytes than there are', () => {
    const broken = Buffer.from([0x55, 0x54, 0xff, 0x00, 1, 2, 3]);
    assert.throws(() => headerOf({ name: 'b.txt', data: 'x', localExtra: broken }), /extra field length/);
  });
});

describe('localHeader — matchDataDescriptor', () => {
  const measured = { crc32: 0xdeadbeef, compressedSize: 1234, uncompressedSize: 56789 };

  function descriptor(options: { signed: boolean; wide: boolean; next?: number; crc?: number }): Buffer {
    const parts: Buffer[] = [];
    const word = (value: number): Buffer => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32LE(value >>> 0, 0);
      return bytes;
    };
    const long = (value: number): Buffer => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(BigInt(value), 0);
      return bytes;
    };
    if (options.signed) parts.push(word(DESCRIPTOR_SIGNATURE));
    parts.push(word(options.crc ?? measured.crc32));
    if (options.wide) parts.push(long(measured.compressedSize), long(measured.uncompressedSize));
    else parts.push(word(measured.compressedSize), word(measured.uncompressedSize));
    parts.push(word(options.next ?? LOCAL_SIGNATURE));
    return Buffer.concat(parts);
  }

  const forms = [
    { signed: true, wide: false, length: 16 },
    { signed: true, wide: true, length: 24 },
    { signed: false, wide: false, length: 12 },
    { signed: false, wide: true, length: 20 },
  ];
  for (const { signed, wide, length } of forms) {
    const label = `${signed ? 'with' : 'without'} signature, ${wide ? '8' : '4'}-byte sizes`;
    it(`${label}: ${length} bytes`, () => {
      assert.deepEqual(matchDataDescriptor(descriptor({ signed, wide }), measured), { length });
      assert.deepEqual(
        matchDataDescriptor(descriptor({ signed, wide, next: CENTRAL_SIGNATURE }), measured),
        { length },
        'followed by the central directory',
      );
    });

    it(`${label}: rejected when the next 4 bytes are not a record signature`, () => {
      assert.equal(matchDataDescriptor(descriptor({ signed, wide, next: 0x12345678 }), measured), undefined);
      // The data descriptor's own signature is not a record that may follow one.
      assert.equal(
        matchDataDescriptor(descriptor({ signed, wide, next: DESCRIPTOR_SIGNATURE }), measured),
        undefined,
      );
    });

    it(`${label}: rejected when the next record's signature is cut off`, () => {
      const bytes = descriptor({ signed, wide });
      assert.equal(matchDataDescriptor(bytes.subarray(0, bytes.length - 1), measured), undefined);
    });

    it(`${label}: rejected when a value differs from what was measured`, () => {
      assert.equal(matchDataDescriptor(descriptor({ signed, wide, crc: 0x12345678 }), measured), undefined);
      assert.equal(
        matchDataDescriptor(descriptor({ signed, wide }), { ...measured, compressedSize: 1235 }),
        undefined,
      );
      assert.equal(
        matchDataDescriptor(descriptor({ signed, wide }), { ...measured, uncompressedSize: 0 }),
        undefined,
      );
    });
  }

  it('reads 8-byte sizes above 4 GiB', () => {
    const big = { crc32: 7, compressedSize: 5 * GiB, uncompressedSize: 9 * GiB };
    const bytes = Buffer.alloc(28);
    bytes.writeUInt32LE(DESCRIPTOR_SIGNATURE, 0);
    bytes.writeUInt32LE(7, 4);
    bytes.writeBigUInt64LE(BigInt(5 * GiB), 8);
    bytes.writeBigUInt64LE(BigInt(9 * GiB), 16);
    bytes.writeUInt32LE(CENTRAL_SIGNATURE, 24);
    assert.deepEqual(matchDataDescriptor(bytes, big), { length: 24 });
  });

  it('matches what buildZip writes after an entry, for the 32- and 64-bit forms', () => {
    for (const zip64 of [false, true]) {
      const data = Buffer.from('descriptor test data '.repeat(30));
      const archive = buildZip(
        [
          { name: 'a.txt', data, dataDescriptor: true, zip64 },
          { name: 'b.txt', data: 'next' },
        ],
        { omitCentralDirectory: false },
      );
      const header = parseLocalHeader(archive.subarray(0, localHeaderLength(archive.subarray(0, 30))));
      const compressedSize = archive.indexOf(Buffer.from([0x50, 0x4b, 0x07, 0x08])) - header.dataOffset;
      const match = matchDataDescriptor(archive.subarray(header.dataOffset + compressedSize), {
        crc32: crc32(data),
        compressedSize,
        uncompressedSize: data.length,
      });
      assert.deepEqual(match, { length: zip64 ? 24 : 16 }, `zip64: ${zip64}`);
    }
  });

  it('is not fooled by an empty buffer', () => {
    assert.equal(matchDataDescriptor(Buffer.alloc(0), measured), undefined);
  });
});
