import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  isRejected,
  joinInside,
  mapEntryName,
  resolveInside,
  shortenSegment,
  truncateToBytes,
  windowsNameIssues,
  type NameMapping,
} from '../../../src/core/naming/safeNames';
import { numbered, TreePlanner } from '../../../src/core/naming/treePlanner';
import { insideOrThrow } from '../../../src/core/place/destinationSurvey';

function mapped(name: string, platform: NodeJS.Platform = 'linux'): NameMapping {
  const result = mapEntryName(name, { platform });
  assert.ok(
    !isRejected(result),
    `${JSON.stringify(name)} was rejected: ${isRejected(result) ? result.rejected : ''}`,
  );
  return result;
}

function rejected(name: string, platform: NodeJS.Platform = 'linux'): string {
  const result = mapEntryName(name, { platform });
  assert.ok(isRejected(result), `${JSON.stringify(name)} was accepted as ${JSON.stringify(result)}`);
  return result.rejected;
}

describe('mapEntryName', () => {
  it('keeps ordinary names', () => {
    assert.deepEqual(mapped('a/b c/d.txt'), { relativePath: 'a/b c/d.txt', isDirectory: false });
    assert.deepEqual(mapped('folder/'), { relativePath: 'folder', isDirectory: true });
    assert.equal(mapped('日本語/ファイル.txt').relativePath, '日本語/ファイル.txt');
    assert.equal(mapped('...hidden').relativePath, '...hidden');
  });

  it('normalises separators and drops "." and empty segments', () => {
    assert.equal(mapped('a\\b\\c.txt').relativePath, 'a/b/c.txt');
    assert.equal(mapped('./a//b/./c').relativePath, 'a/b/c');
    assert.equal(mapped('a\\b\\').isDirectory, true);
  });

  it('rejects escapes, absolute and drive paths, control characters, empty names', () => {
    for (const name of ['..', '../a', 'a/../../b', 'a/..', '..\\a', 'a\\..\\..\\b'])
      assert.match(rejected(name), /\.\./);
    for (const name of ['/a', '\\a', '//server/share', '\\\\server\\share\\a'])
      assert.match(rejected(name), /absolute/);
    for (const name of ['C:\\a', 'c:/a', 'C:a', 'Z:']) assert.match(rejected(name), /drive/);
    for (const name of ['a\u0000b', 'a\nb', '\u001f', 'a\u007f']) assert.match(rejected(name), /control/);
    for (const name of ['', '.', './', './/.']) assert.match(rejected(name), /empty/);
  });

  it('maps Windows-illegal names on win32 only, and reports them elsewhere', () => {
    const cases: [string, string][] = [
      ['CON', '_CON'],
      ['con.txt', '_con.txt'],
      ['Nul.tar.gz', '_Nul.tar.gz'],
      ['COM9', '_COM9'],
      ['LPT1.log', '_LPT1.log'],
      ['com¹', '_com¹'],
      ['CONIN$', '_CONIN$'],
      ['NUL .txt', '_NUL .txt'],
      ['dir/AUX/x', 'dir/_AUX/x'],
      ['name.', 'name_'],
      ['name. .', 'name___'],
      ['space ', 'space_'],
      ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h'],
    ];
    for (const [name, windows] of cases) {
      const onWindows = mapped(name, 'win32');
      assert.equal(onWindows.relativePath, windows, name);
      assert.equal(onWindows.renamedFrom, name);
      assert.ok(onWindows.reason);
      const onLinux = mapped(name, 'linux');
      assert.equal(onLinux.relativePath, name);
      assert.equal(onLinux.renamedFrom, undefined);
      assert.ok(onLinux.nonPortableReason, name);
    }
    for (const name of ['console', 'CONFIG.sys', 'com10', 'lpt', 'nul-file', 'aux_']) {
      assert.equal(mapped(name, 'win32').relativePath, name);
      assert.equal(mapped(name, 'linux').nonPortableReason, undefined);
    }
  });

  it('shortens segments over 255 bytes on every platform, keeping the extension, deterministically', () => {
    const long = `${'x'.repeat(300)}.docx`;
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const result = mapped(`dir/${long}`, platform);
      const segment = result.relativePath.split('/')[1];
      assert.ok(Buffer.byteLength(segment) <= 255);
      assert.match(segment, /^x+~[0-9a-f]{8}\.docx$/);
      assert.equal(result.reason, 'name longer than 255 bytes');
      assert.equal(mapped(`dir/${long}`, platform).relativePath, result.relativePath);
    }
    assert.notEqual(shortenSegment(`${'x'.repeat(300)}a`), shortenSegment(`${'x'.repeat(300)}b`));
    const emoji = '😀'.repeat(100); // 400 bytes, never split inside a code point
    const short = shortenSegment(emoji);
    assert.ok(Buffer.byteLength(short) <= 255);
    assert.ok(!short.includes('\ufffd'));
    assert.equal(truncateToBytes('aé😀', 4), 'aé');
  });

  it('property: every accepted name stays inside the extraction root, on every platform', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', 'CON', 'a:b', 'x.', ' ', '\\', '/', 'C:', '..\\..'),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    const name = fc
      .array(segment, { maxLength: 6 })
      .chain((segments) => fc.constantFrom('/', '\\').map((separator) => segments.join(separator)));
    fc.assert(
      fc.property(name, fc.constantFrom<NodeJS.Platform>('linux', 'win32', 'darwin'), (raw, platform) => {
        const result = mapEntryName(raw, { platform });
        if (isRejected(result)) return;
        const root = path.resolve('/sandbox/root');
        const target = path.resolve(root, ...result.relativePath.split('/'));
        assert.ok(target.startsWith(root + path.sep), `${JSON.stringify(raw)} → ${target}`);
        for (const part of result.relativePath.split('/')) {
          assert.ok(part !== '' && part !== '.' && part !== '..', JSON.stringify(raw));
          assert.ok(Buffer.byteLength(part) <= 255);
          // eslint-disable-next-line no-control-regex
          assert.ok(!/[\u0000-\u001f\u007f\\]/.test(part));
          if (platform === 'win32') assert.deepEqual(windowsNameIssues(part), [], JSON.stringify(part));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('TreePlanner', () => {
  it('numbers duplicates before the extension', () => {
    assert.equal(numbered('report.pdf', 2), 'report (2).pdf');
    assert.equal(numbered('.env', 3), '.env (3)');
    assert.equal(numbered('archive', 2), 'archive (2)');
    assert.ok(Buffer.byteLength(numbered(`${'y'.repeat(254)}.txt`, 2)) <= 255);
  });

  it('property: assigned paths are unique case-insensitively and never nest under a file', () => {
    const segment = fc.constantFrom('a', 'A', 'b', 'B.txt', 'b.TXT', 'c (2)', 'C');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.boolean()), {
          maxLength: 30,
        }),
        (entries) => {
          const planner = new TreePlanner();
          const files: string[] = [];
          for (const [segments, isDirectory] of entries) {
            const planned = isDirectory ? planner.addDirectory(segments) : planner.addFile(segments);
            if (!isDirectory) files.push(planned.relativePath);
          }
          const directories = planner.directories();
          const folded = [...files, ...directories].map((p) => p.toUpperCase());
          assert.equal(new Set(folded).size, folded.length, JSON.stringify({ files, directories }));
          for (const file of files) {
            for (const other of files) assert.ok(!other.toUpperCase().startsWith(`${file.toUpperCase()}/`));
            const parent = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
            if (parent !== '') assert.ok(directories.includes(parent), `${parent} missing`);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('the containment check (joinInside, resolveInside, insideOrThrow)', () => {
  it('accepts entries under a root that ends in a separator: "/" and "C:\\"', () => {
    assert.equal(resolveInside('/', 'a.txt'), '/a.txt');
    assert.equal(insideOrThrow('/', 'dir/a.txt'), '/dir/a.txt');
    assert.equal(joinInside('/', 'a/b', path.posix), '/a/b');
    assert.equal(joinInside('C:\\', 'a/b.txt', path.win32), 'C:\\a\\b.txt');
    assert.equal(joinInside('\\\\server\\share\\', 'a', path.win32), '\\\\server\\share\\a');
    assert.equal(joinInside('C:\\dest', '..foo', path.win32), 'C:\\dest\\..foo');
  });

  it('refuses the root itself, escapes, and absolute names, for every kind of root', () => {
    for (const [root, paths] of [
      ['/', path.posix],
      ['/dest', path.posix],
      ['C:\\', path.win32],
      ['C:\\dest', path.win32],
    ] as const) {
      for (const name of ['', '.', '..', '../x', 'a/../..', '/etc/passwd', 'a/../../dest2/x']) {
        assert.equal(joinInside(root, name, paths), undefined, `${root} + ${JSON.stringify(name)}`);
      }
    }
    assert.equal(joinInside('C:\\dest', 'D:\\x', path.win32), undefined);
    assert.equal(joinInside('C:\\dest', '..\\x', path.win32), undefined);
    assert.throws(() => insideOrThrow('/', '../x'), /outside the destination/);
    assert.throws(() => resolveInside('/dest', '../x'), /outside the staging folder/);
  });

  it('answers as the full check (relative to the root) does, whatever the root and the name', () => {
    // The full check alone, as it was before the quick one for a normalized root was put in front of it.
    const fullCheck = (root: string, name: string, paths: path.PlatformPath): string | undefined => {
      if (name === '' || paths.isAbsolute(name)) return undefined;
      if (name.split('/').some((segment) => segment.split(paths.sep).includes('..'))) return undefined;
      const target = paths.join(root, ...name.split('/'));
      const relative = paths.relative(root, target);
      const escapes =
        relative === '' ||
        relative === '..' ||
        relative.startsWith(`..${paths.sep}`) ||
        paths.isAbsolute(relative);
      return escapes ? undefined : target;
    };
    const roots = [
      ['/', path.posix],
      ['/dest', path.posix],
      ['/dest/', path.posix],
      ['/dest/./staging', path.posix],
      ['relative/dest', path.posix],
      ['C:\\', path.win32],
      ['C:\\dest', path.win32],
      ['c:\\Dest\\', path.win32],
      ['\\\\server\\share\\', path.win32],
    ] as const;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'B', '.', '..', '/', '\\', ':', 'C:', '~', ' '), { maxLength: 8 }),
        fc.nat(roots.length - 1),
        fc.nat(roots.length - 1),
        (parts, first, second) => {
          const name = parts.join('');
          // Two roots in turn: the quick check remembers the last root it saw.
          for (const [root, paths] of [roots[first], roots[second], roots[first]]) {
            assert.equal(joinInside(root, name, paths), fullCheck(root, name, paths), `${root} + ${name}`);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
