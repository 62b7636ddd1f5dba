// Generators of hostile ZIP archives for the extraction fuzzer: a small archive, valid or subtly lying (names from
// a dictionary of zip-slip, absolute, drive-letter, backslash, NUL, overlong and case-duplicate names; symlinks
// aimed out of the destination, alone or with a file written through them; encryption flags, odd methods, lying sizes and CRCs, shared local headers, ZIP64 records), written by the raw
// builder or by yazl, then mutated byte by byte (flips, boundary values in header fields, truncation, insertion,
// deletion, duplicated ranges).
import fc from 'fast-check';
import { Readable } from 'node:stream';
import * as yazl from 'yazl';
import {
  buildZip,
  crc32,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  unixAttributes,
  type RawEntry,
  type RawZipOptions,
} from '../helpers/zipBuilder';

/** Names a hostile or careless archive may carry. Plain names are here too, so collisions happen often. */
export const EVIL_NAMES: readonly (string | Buffer)[] = [
  'a.txt',
  'A.TXT',
  'dir/b.txt',
  'Dir/B.txt',
  'dir/',
  'dir',
  'dir/b.txt/c.txt',
  'mine.txt',
  'MINE.txt',
  '../escape.txt',
  '../../escape.txt',
  '../elsewhere/planted.txt',
  'dir/../../escape.txt',
  'dir/../a.txt',
  '..',
  '../',
  '.',
  './',
  '',
  '/',
  '/abs.txt',
  '//server/share/x.txt',
  '\\\\server\\share\\x.txt',
  'C:\\windows.txt',
  'C:windows.txt',
  'c:/x.txt',
  '..\\escape.txt',
  'dir\\..\\..\\escape.txt',
  'dir\\sub\\file.txt',
  'a\0b.txt',
  'nul\0',
  'con',
  'AUX.txt',
  'com1.log',
  'trailing. ',
  'dir/./c.txt',
  'dir//d.txt',
  'x'.repeat(300),
  `${'long'.repeat(70)}.txt`,
  `${'deep/'.repeat(900)}f.txt`,
  'caf\u00e9.txt',
  'cafe\u0301.txt',
  '\u202eevil.txt',
  '.box-pull-staging-zzz/evil.txt',
  '.box-pull-staging-',
  '.git/config',
  'sp ace/ta\tb.txt',
  Buffer.from([0xff, 0xfe, 0x2f, 0x61]),
  Buffer.from([0x80, 0x2e, 0x2e, 0x2f, 0x78]),
];

/** What the mutation stage may do to the built bytes. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'field'; signature: number; occurrence: number; offset: number; width: 2 | 4; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; from: number; length: number; to: number };

export interface EntrySpec {
  name: string | Buffer;
  data: Uint8Array;
  method?: number;
  dataDescriptor: boolean;
  zip64: boolean;
  utf8: boolean;
  flags?: number;
  kind: 'file' | 'directory' | 'symlink';
  /** What a symlink entry points at (its data). Default `../../elsewhere`. */
  linkTarget?: string;
  /** Lies in the headers. */
  crcDelta?: number;
  sizeDelta?: number;
  localName?: string;
  sharesLocalHeader: boolean;
}

export interface FuzzCase {
  builder: 'raw' | 'yazl';
  entries: EntrySpec[];
  zip: Pick<RawZipOptions, 'omitCentralDirectory' | 'zip64EndRecord' | 'entryCount' | 'comment'>;
  mutations: Mutation[];
  /** Extraction options under test. */
  stripTopLevelFolder?: string;
  platform: NodeJS.Platform;
  concurrency: number;
  limits?: { maxEntries?: number; maxTotalBytes?: number };
}

const SIGNATURES = [0x04034b50, 0x02014b50, 0x06054b50, 0x08074b50, 0x06064b50, 0x07064b50];
const BOUNDARY_VALUES = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff];

const nameArbitrary: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...EVIL_NAMES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom('a', 'B', '..', '.', '', 'dir', 'Dir', 'c:', '\\', 'x.txt'), { maxLength: 5 })
      .map((parts) => parts.join('/')),
  },
);

/** Where a symlink entry may point: out of the staging folder, out of the sandbox, at itself, at a sibling. */
export const SYMLINK_TARGETS: readonly string[] = [
  '../../elsewhere',
  `${'../'.repeat(12)}elsewhere`,
  '../sibling.txt',
  '/tmp',
  '/etc/passwd',
  'C:\\Windows',
  '.',
  'link',
  'dir',
];

const dataArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 40_000 }))
    .map(([byte, length]) => new Uint8Array(length).fill(byte)),
);

const entryArbitrary: fc.Arbitrary<EntrySpec> = fc.record(
  {
    name: nameArbitrary,
    data: dataArbitrary,
    method: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom(0, 8) },
      { weight: 1, arbitrary: fc.constantFrom(1, 9, 12, 14, 93, 95, 99) },
    ),
    dataDescriptor: fc.boolean(),
    zip64: fc.oneof(
      { weight: 5, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    utf8: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    flags: fc.oneof(
      { weight: 10, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(1, 0x40, 0x2000) },
    ),
    kind: fc.oneof(
      { weight: 10, arbitrary: fc.constant('file' as const) },
      { weight: 2, arbitrary: fc.constant('directory' as const) },
      { weight: 1, arbitrary: fc.constant('symlink' as const) },
    ),
    linkTarget: fc.constantFrom(...SYMLINK_TARGETS),
    crcDelta: fc.oneof(
      { weight: 10, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) },
    ),
    sizeDelta: fc.oneof(
      { weight: 10, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: -3, max: 3_000_000 }) },
    ),
    localName: fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('other.txt', '../x') },
    ),
    sharesLocalHeader: fc.oneof(
      { weight: 15, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  },
  { requiredKeys: ['name', 'data', 'dataDescriptor', 'zip64', 'utf8', 'kind', 'sharesLocalHeader'] },
);

/**
 * The classic link attack: a symlink `link` aimed out of the destination, then `link/planted.txt`, which a naive
 * extractor writes through the link. Either may carry a data descriptor, as a streaming server writes them.
 */
const linkThroughArbitrary: fc.Arbitrary<EntrySpec[]> = fc
  .record({
    target: fc.constantFrom(...SYMLINK_TARGETS),
    linkDescriptor: fc.boolean(),
    fileDescriptor: fc.boolean(),
    linkName: fc.constantFrom('link', 'dir/link', 'link/'),
  })
  .map(({ target, linkDescriptor, fileDescriptor, linkName }) => {
    const base = { zip64: false, utf8: true, sharesLocalHeader: false };
    const through = `${linkName.replace(/\/$/, '')}/planted.txt`;
    return [
      {
        ...base,
        name: linkName,
        data: new Uint8Array(),
        dataDescriptor: linkDescriptor,
        kind: 'symlink' as const,
        linkTarget: target,
      },
      {
        ...base,
        name: through,
        data: new TextEncoder().encode('planted'),
        dataDescriptor: fileDescriptor,
        kind: 'file' as const,
      },
    ];
  });

const entriesArbitrary: fc.Arbitrary<EntrySpec[]> = fc.oneof(
  { weight: 6, arbitrary: fc.array(entryArbitrary, { minLength: 0, maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.array(entryArbitrary, { maxLength: 2 }),
        linkThroughArbitrary,
        fc.array(entryArbitrary, { maxLength: 2 }),
      )
      .map(([before, pair, after]) => [...before, ...pair, ...after]),
  },
);

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('field' as const),
    signature: fc.constantFrom(...SIGNATURES),
    occurrence: fc.nat({ max: 4 }),
    offset: fc.integer({ min: 4, max: 44 }),
    width: fc.constantFrom(2 as const, 4 as const),
    value: fc.constantFrom(...BOUNDARY_VALUES),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    from: fc.nat(),
    length: fc.integer({ min: 1, max: 256 }),
    to: fc.nat(),
  }),
);

export const fuzzCaseArbitrary: fc.Arbitrary<FuzzCase> = fc.record(
  {
    builder: fc.oneof(
      { weight: 4, arbitrary: fc.constant('raw' as const) },
      { weight: 1, arbitrary: fc.constant('yazl' as const) },
    ),
    entries: entriesArbitrary,
    zip: fc.record(
      {
        omitCentralDirectory: fc.oneof(
          { weight: 20, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        zip64EndRecord: fc.oneof(
          { weight: 8, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        entryCount: fc.oneof(
          { weight: 12, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom(0, 1, 7, 0xffff) },
        ),
        comment: fc.oneof(
          { weight: 10, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('PK\x05\x06', 'hello') },
        ),
      },
      { requiredKeys: [] },
    ),
    mutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant([] as Mutation[]) },
      { weight: 2, arbitrary: fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }) },
    ),
    stripTopLevelFolder: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('dir', 'Dir', '..') },
    ),
    platform: fc.constantFrom<NodeJS.Platform>('linux', 'linux', 'win32', 'darwin'),
    concurrency: fc.constantFrom(1, 4, 16),
    limits: fc.oneof(
      { weight: 10, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom({ maxEntries: 2 }, { maxTotalBytes: 1000 }) },
    ),
  },
  { requiredKeys: ['builder', 'entries', 'zip', 'mutations', 'platform', 'concurrency'] },
);

function linkTarget(spec: EntrySpec): string {
  return spec.linkTarget ?? '../../elsewhere';
}

function rawEntry(spec: EntrySpec, index: number): RawEntry {
  const data = Buffer.from(spec.data);
  const isDirectory = spec.kind === 'directory';
  const name =
    isDirectory && typeof spec.name === 'string' && !spec.name.endsWith('/') ? `${spec.name}/` : spec.name;
  const mode = spec.kind === 'symlink' ? S_IFLNK | 0o777 : isDirectory ? S_IFDIR | 0o755 : S_IFREG | 0o644;
  const entry: RawEntry = {
    name,
    data: spec.kind === 'symlink' ? Buffer.from(linkTarget(spec)) : isDirectory ? Buffer.alloc(0) : data,
    method: spec.method,
    dataDescriptor: spec.dataDescriptor,
    zip64: spec.zip64,
    utf8: spec.utf8,
    flags: spec.flags,
    externalAttributes: unixAttributes(mode),
    localName: spec.localName,
  };
  // A CRC that is off by a little: the data is intact, the checksum lies.
  if (spec.crcDelta !== undefined) entry.crc32 = (crc32(entry.data as Buffer) + spec.crcDelta) >>> 0;
  if (spec.sizeDelta !== undefined) entry.uncompressedSize = Math.max(0, data.length + spec.sizeDelta);
  if (spec.sharesLocalHeader && index > 0) entry.sharesLocalHeaderWith = index - 1;
  return entry;
}

function buildRaw(testCase: FuzzCase): Buffer {
  return buildZip(testCase.entries.map(rawEntry), testCase.zip);
}

/** yazl refuses some names on its own; such a case falls back to the raw builder. */
async function buildWithYazl(testCase: FuzzCase): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const spec of testCase.entries) {
    const name = typeof spec.name === 'string' ? spec.name : spec.name.toString('latin1');
    const options = {
      compress: spec.method !== 0,
      mtime: new Date(2024, 0, 2),
      mode: 0o100644,
      forceZip64Format: spec.zip64,
    };
    if (spec.kind === 'directory') zip.addEmptyDirectory(name, { mtime: options.mtime });
    // yazl writes any mode it is given: a real symlink entry, as Info-ZIP's `zip --symlinks` would.
    else if (spec.kind === 'symlink')
      zip.addBuffer(Buffer.from(linkTarget(spec)), name, { ...options, mode: S_IFLNK | 0o777 });
    else if (spec.dataDescriptor) zip.addReadStream(Readable.from([Buffer.from(spec.data)]), name, options);
    else zip.addBuffer(Buffer.from(spec.data), name, options);
  }
  zip.end({ forceZip64Format: testCase.zip.zip64EndRecord ?? false, comment: '' });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/**
 * True when the archive as built still lists a symlink entry in an intact central directory: no byte was mutated
 * and no end-record field lies. Extraction must then be refused (the oracle does not depend on the extractor's
 * reading of the archive, only on how it was made).
 */
export function hasIntactSymlink(testCase: FuzzCase): boolean {
  const { zip } = testCase;
  return (
    testCase.mutations.length === 0 &&
    !zip.omitCentralDirectory &&
    zip.entryCount === undefined &&
    zip.comment === undefined &&
    testCase.entries.some((entry) => entry.kind === 'symlink')
  );
}

export async function buildArchive(testCase: FuzzCase): Promise<Buffer> {
  let bytes: Buffer;
  if (testCase.builder === 'yazl') {
    try {
      bytes = await buildWithYazl(testCase);
    } catch {
      bytes = buildRaw(testCase);
    }
  } else {
    bytes = buildRaw(testCase);
  }
  for (const mutation of testCase.mutations) bytes = mutate(bytes, mutation);
  return bytes;
}

function occurrenceOf(bytes: Buffer, signature: number, occurrence: number): number {
  const needle = Buffer.alloc(4);
  needle.writeUInt32LE(signature >>> 0);
  let at = -1;
  for (let seen = 0; seen <= occurrence; seen++) {
    at = bytes.indexOf(needle, at + 1);
    if (at === -1) return -1;
  }
  return at;
}

export function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  if (bytes.length === 0) return bytes;
  const position = (at: number) => at % bytes.length;
  const copy = Buffer.from(bytes);
  switch (mutation.kind) {
    case 'flip':
      copy[position(mutation.at)] ^= 1 << mutation.bit;
      return copy;
    case 'set':
      copy[position(mutation.at)] = mutation.value;
      return copy;
    case 'field': {
      const header = occurrenceOf(copy, mutation.signature, mutation.occurrence);
      const at = header + mutation.offset;
      if (header === -1 || at + mutation.width > copy.length) return copy;
      if (mutation.width === 2) copy.writeUInt16LE(mutation.value & 0xffff, at);
      else copy.writeUInt32LE(mutation.value >>> 0, at);
      return copy;
    }
    case 'truncate':
      return copy.subarray(0, position(mutation.at));
    case 'insert': {
      const at = position(mutation.at);
      return Buffer.concat([copy.subarray(0, at), Buffer.from(mutation.bytes), copy.subarray(at)]);
    }
    case 'delete': {
      const at = position(mutation.at);
      return Buffer.concat([copy.subarray(0, at), copy.subarray(at + mutation.length)]);
    }
    case 'duplicate': {
      const from = position(mutation.from);
      const slice = copy.subarray(from, from + mutation.length);
      const to = position(mutation.to);
      return Buffer.concat([copy.subarray(0, to), slice, copy.subarray(to)]);
    }
  }
}
