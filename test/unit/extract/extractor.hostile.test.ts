import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { extractZip } from '../../../src/core/extract/extractor';
import { removeStagingDir } from '../../../src/core/place/staging';
import { buildZip, S_IFLNK, unixAttributes, UNIX_HOST, type RawEntry } from '../../helpers/zipBuilder';
import {
  expectExtractionFailure,
  extractOk,
  makeExtractionDir,
  makeSandbox,
  snapshot,
  yazlZip,
} from './sandbox';
import { ArchiveError } from '../../../src/core/errors';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A harmless first entry: proves that vetting happens before anything is written. */
const harmless: RawEntry = { name: 'harmless.txt', data: 'harmless' };

describe('extractZip — hostile archives', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  async function extract(...args: Parameters<typeof extractOk>): ReturnType<typeof extractOk> {
    const outcome = await extractOk(...args);
    cleanups.push(outcome.sandbox.cleanup);
    return outcome;
  }

  describe('zip slip and absolute paths → unsafe_path, nothing written', () => {
    const escape = path.join(os.tmpdir(), `box-pull-escape-${process.pid}-${Date.now()}`);
    after(() => fs.rmSync(escape, { recursive: true, force: true }));
    const names = [
      '../x.txt',
      '../../../escaped.txt',
      'a/../../x.txt',
      'a/b/../../../../../../x.txt',
      '..',
      `${escape}/x.txt`,
      '/etc/box-pull-test',
      'C:\\x.txt',
      'C:/x.txt',
      'c:x.txt',
      '\\\\server\\share\\x.txt',
      '//server/share/x.txt',
      '\\x.txt',
      '..\\..\\..\\x.txt',
      'a\\..\\..\\..\\x.txt',
    ];
    for (const name of names) {
      it(JSON.stringify(name), async () => {
        await expectExtractionFailure(buildZip([harmless, { name, data: 'evil' }]), {
          code: 'unsafe_path',
          check: (error) => assert.equal(error.entryName, name),
        });
        assert.equal(fs.existsSync(escape), false);
      });
    }

    it('rejects a name that escapes once the top-level folder is stripped', async () => {
      await expectExtractionFailure(
        buildZip([
          { name: 'Top/a.txt', data: 'a' },
          { name: 'Top/../x.txt', data: 'x' },
        ]),
        {
          code: 'unsafe_path',
          options: { stripTopLevelFolder: 'Top' },
        },
      );
    });
  });

  describe('separators and odd segments', () => {
    it('treats backslashes as separators (a Windows-made archive)', async () => {
      const { tree, result } = await extract(buildZip([{ name: 'dir\\sub\\file.txt', data: 'x' }]));
      assert.deepEqual([...tree.keys()], ['dir/sub/file.txt']);
      assert.deepEqual(result.directories, ['dir', 'dir/sub']);
    });

    it('drops "." and empty segments', async () => {
      const { tree } = await extract(
        buildZip([
          { name: './a//b/./c.txt', data: 'x' },
          { name: './', data: '' },
        ]),
      );
      assert.deepEqual([...tree.keys()], ['a/b/c.txt']);
    });
  });

  describe('control characters → unsafe_path', () => {
    for (const byte of [0x00, 0x01, 0x0a, 0x1b, 0x1f, 0x7f]) {
      it(`byte 0x${byte.toString(16).padStart(2, '0')}`, async () => {
        const name = Buffer.concat([Buffer.from('bad'), Buffer.from([byte]), Buffer.from('name.txt')]);
        await expectExtractionFailure(buildZip([harmless, { name, data: 'x', utf8: false }]), {
          code: 'unsafe_path',
        });
      });
    }
  });

  describe('symbolic links → symlink, nothing written', () => {
    it('rejects a symlink entry', async () => {
      const entry: RawEntry = {
        name: 'link',
        data: '/etc/passwd',
        method: 0,
        versionMadeBy: UNIX_HOST | 30,
        externalAttributes: unixAttributes(S_IFLNK | 0o777),
      };
      await expectExtractionFailure(buildZip([harmless, entry]), {
        code: 'symlink',
        check: (e) => assert.equal(e.entryName, 'link'),
      });
    });

    it('never writes through a directory symlink (link → elsewhere, then link/file)', async () => {
      const sandbox = await makeSandbox();
      cleanups.push(sandbox.cleanup);
      const archive = buildZip([
        {
          name: 'link',
          data: sandbox.elsewhere,
          method: 0,
          externalAttributes: unixAttributes(S_IFLNK | 0o777),
        },
        { name: 'link/file.txt', data: 'planted' },
      ]);
      fs.writeFileSync(sandbox.zipPath, archive);
      const staging = await makeExtractionDir(sandbox.dest);
      await assert.rejects(
        extractZip(sandbox.zipPath, staging),
        (error: ArchiveError) => error.code === 'symlink',
      );
      assert.deepEqual(fs.readdirSync(sandbox.elsewhere), []);
      assert.deepEqual(fs.readdirSync(staging), []);
      await removeStagingDir(staging);
    });

    it('refuses a staging folder that is not empty (a planted link cannot redirect writes)', async () => {
      const sandbox = await makeSandbox();
      cleanups.push(sandbox.cleanup);
      fs.writeFileSync(sandbox.zipPath, buildZip([{ name: 'link/file.txt', data: 'planted' }]));
      const staging = await makeExtractionDir(sandbox.dest);
      fs.symlinkSync(sandbox.elsewhere, path.join(staging, 'link'));
      await assert.rejects(
        extractZip(sandbox.zipPath, staging),
        (error: ArchiveError) => error.code === 'io',
      );
      assert.deepEqual(fs.readdirSync(sandbox.elsewhere), []);
    });
  });

  describe('duplicates → the later entry is renamed and reported', () => {
    it('exact and case-only duplicates', async () => {
      const { tree, result } = await extract(
        buildZip([
          { name: 'A.txt', data: 'first' },
          { name: 'a.txt', data: 'second' },
          { name: 'A.TXT', data: 'third' },
          { name: 'A.txt', data: 'fourth' },
        ]),
      );
      assert.deepEqual(
        [...tree.entries()].map(([name, content]) => [name, content.toString()]).sort(),
        [
          ['A.txt', 'first'],
          ['a (2).txt', 'second'],
          ['A (3).TXT', 'third'],
          ['A (4).txt', 'fourth'],
        ].sort(),
      );
      assert.deepEqual(
        result.renamed.map((entry) => [entry.archiveName, entry.relativePath]),
        [
          ['a.txt', 'a (2).txt'],
          ['A.TXT', 'A (3).TXT'],
          ['A.txt', 'A (4).txt'],
        ],
      );
      assert.match(result.renamed[0].reason, /same name/);
    });

    it('names equal after Unicode normalisation (NFC vs NFD)', async () => {
      const { tree, result } = await extract(
        buildZip([
          { name: 'caf\u00e9.txt', data: 'nfc' },
          { name: 'cafe\u0301.txt', data: 'nfd' },
        ]),
      );
      assert.equal(tree.size, 2);
      assert.equal(result.renamed.length, 1);
      assert.equal(tree.get('cafe\u0301 (2).txt')!.toString(), 'nfd');
    });

    it('a file and then a folder of the same name: the folder is renamed, with everything under it', async () => {
      const { tree, result } = await extract(
        buildZip([
          { name: 'x', data: 'file' },
          { name: 'X/y.txt', data: 'y' },
          { name: 'x/z.txt', data: 'z' },
        ]),
      );
      assert.deepEqual([...tree.keys()].sort(), ['X (2)/y.txt', 'X (2)/z.txt', 'x']);
      assert.deepEqual(
        result.renamed.map((entry) => entry.relativePath),
        ['X (2)/y.txt', 'X (2)/z.txt'],
      );
    });

    it('a folder and then a file of the same name: the file is renamed', async () => {
      const { tree, result } = await extract(
        buildZip([
          { name: 'docs/readme.md', data: 'r' },
          { name: 'DOCS', data: 'file' },
          { name: 'docs/', data: '' },
        ]),
      );
      assert.deepEqual([...tree.keys()].sort(), ['DOCS (2)', 'docs/readme.md']);
      assert.deepEqual(
        result.renamed.map((entry) => [entry.archiveName, entry.relativePath]),
        [['DOCS', 'DOCS (2)']],
      );
    });

    it('folders differing only by case are merged into the first spelling', async () => {
      const { tree, result } = await extract(
        buildZip([
          { name: 'Docs/a.txt', data: 'a' },
          { name: 'docs/b.txt', data: 'b' },
        ]),
      );
      assert.deepEqual([...tree.keys()].sort(), ['Docs/a.txt', 'Docs/b.txt']);
      assert.deepEqual(result.directories, ['Docs']);
      assert.match(result.renamed[0].reason, /merged/);
    });
  });

  describe('Windows names', () => {
    const archive = (): Buffer =>
      buildZip([
        { name: 'CON', data: '1' },
        { name: 'nul.txt', data: '2' },
        { name: 'Com1.tar.gz', data: '3' },
        { name: 'lpt9', data: '4' },
        { name: 'trailing dot.', data: '5' },
        { name: 'trailing space ', data: '6' },
        { name: 'what?<>:"|*.txt', data: '7' },
        { name: 'AUX/inside.txt', data: '8' },
        { name: 'console.txt', data: '9' },
      ]);

    it('maps them on win32 and reports each rename', async () => {
      const { tree, result } = await extract(archive(), { platform: 'win32' });
      assert.deepEqual(
        [...tree.keys()].sort(),
        [
          '_AUX/inside.txt',
          '_CON',
          '_Com1.tar.gz',
          '_lpt9',
          '_nul.txt',
          'console.txt',
          'trailing dot_',
          'trailing space_',
          'what_______.txt',
        ].sort(),
      );
      assert.equal(result.renamed.length, 8);
      assert.ok(result.renamed.every((entry) => entry.reason.length > 0));
      assert.deepEqual(result.nonPortable, []);
    });

    it('keeps them elsewhere and reports them as not portable', async () => {
      const { tree, result } = await extract(archive(), { platform: 'linux' });
      assert.ok(
        tree.has('CON') &&
          tree.has('trailing dot.') &&
          tree.has('what?<>:"|*.txt') &&
          tree.has('AUX/inside.txt'),
      );
      assert.deepEqual(result.renamed, []);
      assert.equal(result.nonPortable.length, 8);
    });
  });

  describe('long names and paths', () => {
    it('shortens segments over 255 bytes deterministically, keeping the extension', async () => {
      const long = `${'é'.repeat(200)}.pdf`; // 405 bytes
      const longToo = `${'é'.repeat(200)}-other.pdf`;
      const { tree, result } = await extract(
        buildZip([
          { name: `${long}`, data: 'a' },
          { name: `${longToo}`, data: 'b' },
          { name: `${'d'.repeat(300)}/inner.txt`, data: 'c' },
        ]),
      );
      const names = [...tree.keys()];
      assert.equal(names.length, 3);
      for (const name of names) {
        for (const segment of name.split('/')) assert.ok(Buffer.byteLength(segment) <= 255, segment);
      }
      assert.equal(names.filter((name) => name.endsWith('.pdf')).length, 2);
      assert.equal(result.renamed.length, 3);
      const again = await extract(buildZip([{ name: long, data: 'a' }]));
      assert.ok(again.tree.has(result.renamed[0].relativePath), 'same name, same result');
    });

    it('rejects a path too long for the OS before writing anything', async function () {
      if (process.platform === 'win32') this.skip();
      const deep = Array.from({ length: 20 }, (_, index) => `${index}`.padEnd(250, 'x')).join('/');
      await expectExtractionFailure(buildZip([harmless, { name: `${deep}/file.txt`, data: 'x' }]), {
        code: 'unsafe_path',
      });
    });
  });

  describe('zip bombs → zip_bomb before writing', () => {
    it('an entry declaring ≥1000× expansion to many GB (declared sizes only)', async () => {
      const bomb: RawEntry = {
        name: 'bomb.bin',
        payload: randomBytes(MiB),
        method: 8,
        uncompressedSize: 5 * GiB,
        crc32: 0,
      };
      await expectExtractionFailure(buildZip([harmless, bomb]), { code: 'zip_bomb' });
    });

    it('a real deflate bomb (50 MiB of zeros in ~50 KiB)', async () => {
      const zeros = Buffer.alloc(50 * MiB);
      const payload = zlib.deflateRawSync(zeros, { level: 9 });
      assert.ok(zeros.length / payload.length > 1000);
      await expectExtractionFailure(
        buildZip([harmless, { name: 'zeros.bin', data: zeros, payload, method: 8 }]),
        {
          code: 'zip_bomb',
        },
      );
    });

    it('a total over maxTotalBytes (default 32 GiB) from entries within the ratio limit', async () => {
      const payload = Buffer.alloc(18 * MiB); // 17 GiB / 18 MiB ≈ 967×, under the ratio limit
      const entries: RawEntry[] = [0, 1].map((index) => ({
        name: `part${index}.bin`,
        payload,
        method: 8,
        uncompressedSize: 17 * GiB,
        crc32: 0,
      }));
      await expectExtractionFailure(buildZip([harmless, ...entries]), { code: 'zip_bomb' });
    });

    it('a total over a configured maxTotalBytes', async () => {
      const entries = Array.from({ length: 5 }, (_, index) => ({
        name: `f${index}.txt`,
        data: 'x'.repeat(400),
      }));
      await expectExtractionFailure(buildZip(entries), {
        code: 'zip_bomb',
        options: { limits: { maxTotalBytes: 1000 } },
      });
    });

    it('several central entries sharing one local header (overlapping entries)', async () => {
      const data = Buffer.alloc(100_000, 0x61);
      const entries: RawEntry[] = [
        { name: 'a.txt', data },
        // Same name length as a.txt, so each copy's data fits before the central directory.
        ...Array.from({ length: 5 }, (_, index) => ({
          name: `${index}.txt`.padStart(5, 'c'),
          data,
          sharesLocalHeaderWith: 0,
        })),
      ];
      await expectExtractionFailure(buildZip(entries), { code: 'zip_bomb' });
    });

    it('an entry whose data overlaps the next local header (Fifield-style)', async () => {
      const archive = buildZip([
        { name: 'a.txt', data: 'aaaa', method: 0 },
        { name: 'b.txt', data: 'bbbb', method: 0 },
      ]);
      // Enlarge a.txt's declared sizes (central directory) so its data runs over b.txt's local header.
      const centralA = archive.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      archive.writeUInt32LE(40, centralA + 20);
      archive.writeUInt32LE(40, centralA + 24);
      await expectExtractionFailure(archive, { code: 'zip_bomb' });
    });

    it('too many entries', async () => {
      const entries = Array.from({ length: 6 }, (_, index) => ({ name: `f${index}.txt`, data: 'x' }));
      await expectExtractionFailure(buildZip(entries), {
        code: 'too_many_entries',
        options: { limits: { maxEntries: 5 } },
      });
    });

    it('an entry count larger than the archive could hold', async () => {
      await expectExtractionFailure(buildZip([harmless], { entryCount: 60_000 }), { code: 'invalid' });
    });
  });

  describe('sizes that lie → size_mismatch, no partial file', () => {
    it('small entry inflating past its declared size', async () => {
      const data = Buffer.alloc(200_000, 0x62);
      await expectExtractionFailure(buildZip([{ name: 'liar.txt', data, uncompressedSize: 1000 }]), {
        code: 'size_mismatch',
      });
    });

    it('large (streamed) entry inflating past its declared size', async () => {
      const data = Buffer.alloc(20 * MiB, 0x62);
      await expectExtractionFailure(buildZip([{ name: 'liar.bin', data, uncompressedSize: 2 * MiB }]), {
        code: 'size_mismatch',
      });
    });

    it('entry inflating to less than declared', async () => {
      await expectExtractionFailure(buildZip([{ name: 'short.txt', data: 'abc', uncompressedSize: 10 }]), {
        code: 'size_mismatch',
      });
    });

    it('stored entry with different compressed and uncompressed sizes (yauzl)', async () => {
      await expectExtractionFailure(
        buildZip([{ name: 's.txt', data: 'abcdef', method: 0, uncompressedSize: 5 }]),
        {
          code: 'size_mismatch',
        },
      );
    });
  });

  describe('corrupt data', () => {
    it('CRC mismatch in a small entry → crc_mismatch, nothing written', async () => {
      await expectExtractionFailure(buildZip([{ name: 'bad.txt', data: 'hello world', crc32: 0x12345678 }]), {
        code: 'crc_mismatch',
        check: (error) => assert.equal(error.entryName, 'bad.txt'),
      });
    });

    it('CRC mismatch in a data-descriptor entry', async () => {
      await expectExtractionFailure(
        buildZip([{ name: 'dd.txt', data: 'x'.repeat(5000), crc32: 1, dataDescriptor: true }]),
        {
          code: 'crc_mismatch',
        },
      );
    });

    it('CRC mismatch in a large streamed entry → crc_mismatch, partial file removed', async () => {
      const good = { name: 'good.txt', data: 'fine' };
      await expectExtractionFailure(
        buildZip([good, { name: 'big.bin', data: randomBytes(3 * MiB), method: 0, crc32: 42 }]),
        {
          code: 'crc_mismatch',
          mayExist: new Map([['good.txt', Buffer.from('fine')]]),
          options: { concurrency: 1 },
        },
      );
    });

    it('corrupt deflate stream → invalid', async () => {
      const payload = Buffer.from(zlib.deflateRawSync(Buffer.from('x'.repeat(5000))));
      payload.fill(0xff, 2, 10);
      await expectExtractionFailure(buildZip([{ name: 'c.txt', data: 'x'.repeat(5000), payload }]), {
        code: 'invalid',
      });
    });
  });

  describe('truncation', () => {
    it('a cut archive (end record missing) → truncated', async () => {
      const archive = await yazlZip([
        { name: 'a.txt', data: randomBytes(5000) },
        { name: 'b.txt', data: randomBytes(5000) },
      ]);
      await expectExtractionFailure(archive.subarray(0, Math.floor(archive.length / 2)), {
        code: 'truncated',
        check: (error) => assert.match(error.message, /central directory/),
      });
    });

    it('no central directory at all (stream stopped after the data) → truncated', async () => {
      await expectExtractionFailure(
        buildZip([harmless, { name: 'b.txt', data: 'b' }], { omitCentralDirectory: true }),
        {
          code: 'truncated',
        },
      );
    });

    it('an empty file → truncated', async () => {
      await expectExtractionFailure(Buffer.alloc(0), { code: 'truncated' });
    });

    it('not a ZIP at all → truncated (no end record)', async () => {
      await expectExtractionFailure(Buffer.from('<html>502 Bad Gateway</html>'), { code: 'truncated' });
    });
  });

  describe('central directory disagreeing with local headers → invalid', () => {
    const cases: [string, RawEntry][] = [
      ['name', { name: 'central.txt', localName: 'localxx.txt', data: 'x' }],
      ['name length', { name: 'c.txt', localName: 'central.txt', data: 'x' }],
      ['method', { name: 'm.txt', data: 'x'.repeat(100), localMethod: 0 }],
      ['CRC without data descriptor', { name: 'c.txt', data: 'abc', localCrc32: 7 }],
      ['encryption flag', { name: 'e.txt', data: 'abc', localFlags: 0x801 }],
    ];
    for (const [what, entry] of cases) {
      it(what, async () => {
        await expectExtractionFailure(buildZip([entry]), { code: 'invalid' });
      });
    }

    it('a central entry pointing at something that is not a local header', async () => {
      const archive = buildZip([{ name: 'a.txt', data: 'abc' }]);
      archive.writeUInt32LE(0xdeadbeef, 0);
      await expectExtractionFailure(archive, {
        code: 'invalid',
        check: (error) => assert.match(error.message, /no local header/),
      });
    });

    it('a central entry whose data would run into the central directory', async () => {
      await expectExtractionFailure(buildZip([{ name: 'a.txt', data: 'abc', localHeaderOffset: 5 }]), {
        code: 'invalid',
      });
    });

    it('a folder entry with content', async () => {
      await expectExtractionFailure(buildZip([{ name: 'dir/', data: 'abc' }]), { code: 'invalid' });
    });
  });

  describe('encryption and methods', () => {
    it('traditional encryption (bit 0) → encrypted', async () => {
      await expectExtractionFailure(buildZip([harmless, { name: 'secret.txt', data: 'x', flags: 0x1 }]), {
        code: 'encrypted',
      });
    });

    it('strong encryption (bit 6) → encrypted', async () => {
      await expectExtractionFailure(buildZip([harmless, { name: 'secret.txt', data: 'x', flags: 0x41 }]), {
        code: 'encrypted',
      });
    });

    it('AES (method 99, bit 0) → encrypted', async () => {
      await expectExtractionFailure(
        buildZip([
          { name: 'aes.txt', payload: randomBytes(40), method: 99, flags: 0x1, uncompressedSize: 20 },
        ]),
        {
          code: 'encrypted',
        },
      );
    });

    for (const method of [1, 6, 9, 12, 14, 93, 95]) {
      it(`method ${method} → unsupported_compression`, async () => {
        await expectExtractionFailure(
          buildZip([
            harmless,
            { name: `m${method}.bin`, payload: randomBytes(64), method, uncompressedSize: 100 },
          ]),
          { code: 'unsupported_compression' },
        );
      });
    }
  });

  describe('ZIP64', () => {
    it('valid ZIP64 extra fields and end records extract', async () => {
      const { tree } = await extract(
        buildZip(
          [
            { name: 'a.txt', data: 'alpha', zip64: true },
            { name: 'b.txt', data: 'beta'.repeat(1000), zip64: true, dataDescriptor: true },
          ],
          { zip64EndRecord: true },
        ),
      );
      assert.equal(tree.get('a.txt')!.toString(), 'alpha');
      assert.equal(tree.get('b.txt')!.toString(), 'beta'.repeat(1000));
    });

    it('0xFFFFFFFF markers without a ZIP64 extra field → invalid', async () => {
      await expectExtractionFailure(
        buildZip([{ name: 'a.txt', data: 'a', zip64: true, centralZip64Extra: null }]),
        { code: 'invalid' },
      );
    });

    it('a ZIP64 extra field too short for the marked values → invalid', async () => {
      const short = Buffer.alloc(12);
      short.writeUInt16LE(1, 0);
      short.writeUInt16LE(8, 2);
      await expectExtractionFailure(
        buildZip([{ name: 'a.txt', data: 'a', zip64: true, centralZip64Extra: short }]),
        { code: 'invalid' },
      );
    });

    it('a ZIP64 offset beyond the archive → invalid', async () => {
      const extra = Buffer.alloc(28);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeUInt32LE(1, 4);
      extra.writeUInt32LE(1, 12);
      extra.writeUInt32LE(0, 20);
      extra.writeUInt32LE(7, 24); // offset 7 * 2^32
      await expectExtractionFailure(
        buildZip([{ name: 'a.txt', data: 'a', method: 0, zip64: true, centralZip64Extra: extra }]),
        {
          code: 'invalid',
        },
      );
    });

    it('a ZIP64 end record with a bad signature → invalid', async () => {
      await expectExtractionFailure(
        buildZip([harmless], { zip64EndRecord: true, badZip64EndRecordSignature: true }),
        { code: 'invalid' },
      );
    });

    it('a ZIP64 locator pointing past the end → truncated', async () => {
      await expectExtractionFailure(
        buildZip([harmless], { zip64EndRecord: true, zip64LocatorOffset: 10 * GiB }),
        {
          code: 'truncated',
        },
      );
    });
  });

  it('leaves the sandbox untouched on success too: only staging changes', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    fs.writeFileSync(sandbox.zipPath, buildZip([{ name: 'a/b.txt', data: 'b' }]));
    const before = await snapshot(sandbox.root);
    const staging = await makeExtractionDir(sandbox.dest);
    await extractZip(sandbox.zipPath, staging);
    const after = await snapshot(sandbox.root);
    const stagingRelative = path.relative(sandbox.root, staging).split(path.sep).join('/');
    for (const key of after.keys()) {
      if (!before.has(key)) assert.ok(key === stagingRelative || key.startsWith(`${stagingRelative}/`), key);
    }
    await removeStagingDir(staging);
  });
});
