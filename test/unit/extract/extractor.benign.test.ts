import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractZip } from '../../../src/core/extract/extractor';
import type { ExtractProgress } from '../../../src/core/extract/fileExtraction';
import { requirePrerequisite } from '../../helpers/prerequisite';
import { buildZip } from '../../helpers/zipBuilder';
import { extractOk, makeExtractionDir, makeSandbox, readTree, yazlZip, type YazlFile } from './sandbox';

function text(size: number, seed: string): Buffer {
  let result = '';
  while (result.length < size) result += `${seed} ${result.length} lorem ipsum dolor sit amet\n`;
  return Buffer.from(result.slice(0, size));
}

describe('extractZip — benign archives', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  async function extract(...args: Parameters<typeof extractOk>): ReturnType<typeof extractOk> {
    const outcome = await extractOk(...args);
    cleanups.push(outcome.sandbox.cleanup);
    return outcome;
  }

  const mtime = new Date(2023, 5, 1, 12, 34, 56);
  const treeFiles: YazlFile[] = [
    { name: 'Project/readme.md', data: text(1500, 'readme'), compress: true, mtime },
    { name: 'Project/src/main.ts', data: text(40_000, 'main'), compress: true, stream: true, mtime },
    { name: 'Project/src/stored.bin', data: randomBytes(3000), compress: false, mtime },
    {
      name: 'Project/src/streamed-stored.bin',
      data: randomBytes(5000),
      compress: false,
      stream: true,
      mtime,
    },
    { name: 'Project/empty.txt', data: Buffer.alloc(0), compress: true, mtime },
    {
      name: 'Project/big/deflated.log',
      data: text(3 * 1024 * 1024, 'log'),
      compress: true,
      stream: true,
      mtime,
    },
    { name: 'Project/big/stored.dat', data: randomBytes(2 * 1024 * 1024 + 17), compress: false, mtime },
    { name: 'Project/ünïcödé/日本語 名前.txt', data: text(100, 'unicode'), compress: true, mtime },
  ];

  for (const forceZip64 of [false, true]) {
    it(`round-trips a yazl tree byte for byte (store + deflate + data descriptors${forceZip64 ? ', ZIP64 forced' : ''})`, async () => {
      const archive = await yazlZip(treeFiles, {
        emptyDirectories: ['Project/empty-folder/', 'Project/a/b/c/'],
        forceZip64,
      });
      const { result, tree, staging } = await extract(archive, { stripTopLevelFolder: 'Project' });

      assert.equal(result.strippedTopLevelFolder, 'Project');
      assert.equal(result.totalEntries, treeFiles.length + 2);
      const expected = new Map(treeFiles.map((file) => [file.name.slice('Project/'.length), file.data]));
      assert.deepEqual([...tree.keys()].sort(), [...expected.keys()].sort());
      for (const [relative, content] of expected) assert.ok(tree.get(relative)!.equals(content), relative);
      assert.deepEqual(
        result.files.map((file) => [file.relativePath, file.size, file.archiveName]).sort(),
        treeFiles.map((file) => [file.name.slice(8), file.data.length, file.name]).sort(),
      );
      assert.equal(
        result.bytesWritten,
        treeFiles.reduce((sum, file) => sum + file.data.length, 0),
      );
      for (const directory of ['empty-folder', 'a', 'a/b', 'a/b/c', 'src', 'big', 'ünïcödé']) {
        assert.ok(result.directories.includes(directory), directory);
        assert.ok(fs.statSync(path.join(staging, directory)).isDirectory(), directory);
      }
      assert.deepEqual(fs.readdirSync(path.join(staging, 'empty-folder')), []);
      assert.deepEqual(result.renamed, []);
      for (const file of result.files) {
        const stat = fs.statSync(path.join(staging, file.relativePath));
        assert.equal(
          Math.round(stat.mtimeMs / 1000),
          Math.round(mtime.getTime() / 1000),
          `mtime of ${file.relativePath}`,
        );
      }
    });
  }

  it('round-trips hundreds of small files through the writer thread, times included', async () => {
    const files = Array.from({ length: 400 }, (_, index) => ({
      name: `Top/folder${index % 9}/sub${index % 3}/file-${index}.txt`,
      data: index % 50 === 0 ? Buffer.alloc(0) : text(10 + ((index * 7919) % 20_000), `f${index}`),
      compress: index % 4 !== 0,
      stream: index % 5 === 0,
      mtime: new Date(2022, index % 12, 1 + (index % 28), 8, index % 60, 0),
    }));
    const archive = await yazlZip(files);
    const { result, tree, staging } = await extract(archive, { stripTopLevelFolder: 'Top' });
    assert.equal(tree.size, files.length);
    for (const file of files) {
      const relative = file.name.slice(4);
      assert.ok(tree.get(relative)!.equals(file.data), relative);
      const mtime = fs.statSync(path.join(staging, relative)).mtimeMs;
      assert.equal(Math.round(mtime / 1000), Math.round(file.mtime.getTime() / 1000), relative);
    }
    assert.equal(result.files.length, files.length);
    assert.ok(
      result.files.every((file, index) => file.archiveName === files[index].name),
      'files keep archive order',
    );
  });

  it('extracts a Box-style archive: top folder, data descriptors, ZIP64 extras, folder entries only for empty folders', async () => {
    const files = [
      ['Box Folder/Q3 report.docx', randomBytes(20_000)],
      ['Box Folder/notes/today.txt', text(5000, 'today')],
      ['Box Folder/notes/nested/deep.txt', text(70, 'deep')],
    ] as const;
    const archive = buildZip(
      [
        ...files.map(([name, data], index) => ({
          name,
          data,
          dataDescriptor: true,
          zip64: true,
          method: index === 0 ? 0 : 8,
        })),
        { name: 'Box Folder/empty/', dataDescriptor: true, zip64: true },
      ],
      { zip64EndRecord: true },
    );
    const { result, tree } = await extract(archive, { stripTopLevelFolder: 'Box Folder' });
    assert.deepEqual([...tree.keys()].sort(), ['Q3 report.docx', 'notes/nested/deep.txt', 'notes/today.txt']);
    for (const [name, data] of files) assert.ok(tree.get(name.slice('Box Folder/'.length))!.equals(data));
    assert.deepEqual(result.directories, ['empty', 'notes', 'notes/nested']);
  });

  it('does not strip the top-level folder unless every entry is under it', async () => {
    const archive = await yazlZip([
      { name: 'Top/a.txt', data: text(10, 'a') },
      { name: 'other.txt', data: text(10, 'b') },
    ]);
    const { result, tree } = await extract(archive, { stripTopLevelFolder: 'Top' });
    assert.equal(result.strippedTopLevelFolder, undefined);
    assert.deepEqual([...tree.keys()].sort(), ['Top/a.txt', 'other.txt']);
  });

  it('extracts an empty archive', async () => {
    const { result, tree } = await extract(buildZip([]));
    assert.deepEqual(result.files, []);
    assert.equal(result.totalEntries, 0);
    assert.equal(tree.size, 0);
  });

  it('leaves modification times alone when preserveModifiedTimes is false', async () => {
    const archive = await yazlZip([{ name: 'old.txt', data: text(10, 'old'), mtime: new Date(2001, 0, 1) }]);
    const started = Date.now() - 60_000;
    const { staging } = await extract(archive, { preserveModifiedTimes: false });
    assert.ok(fs.statSync(path.join(staging, 'old.txt')).mtimeMs > started);
  });

  it('reports progress up to the totals', async () => {
    const files = Array.from({ length: 40 }, (_, index) => ({
      name: `d${index % 4}/f${index}.txt`,
      data: text(100 + index, `f${index}`),
    }));
    const archive = await yazlZip(files);
    const events: ExtractProgress[] = [];
    const { result } = await extract(archive, {
      onProgress: (progress) => events.push(progress),
      concurrency: 3,
    });
    assert.ok(events.length >= files.length);
    const last = events[events.length - 1];
    assert.equal(last.filesExtracted, files.length);
    assert.equal(last.bytesWritten, result.bytesWritten);
    assert.equal(last.totalEntries, files.length);
    assert.equal(last.totalUncompressedBytes, result.bytesWritten);
    for (let i = 1; i < events.length; i++)
      assert.ok(events[i].filesExtracted >= events[i - 1].filesExtracted);
  });

  it('decodes names: UTF-8 flag, unflagged UTF-8, CP437', async () => {
    const archive = buildZip([
      { name: 'flagged-é.txt', data: 'a' },
      { name: Buffer.from('unflagged-é.txt', 'utf8'), utf8: false, data: 'b' },
      { name: Buffer.from([0x63, 0x70, 0x2d, 0x82, 0x2e, 0x74, 0x78, 0x74]), utf8: false, data: 'c' }, // "cp-é.txt" in CP437
    ]);
    const { tree } = await extract(archive);
    assert.deepEqual([...tree.keys()].sort(), ['cp-é.txt', 'flagged-é.txt', 'unflagged-é.txt']);
  });

  it('extracts an archive made by Info-ZIP zip, identical to unzip', function () {
    for (const tool of ['zip', 'unzip']) {
      try {
        execFileSync(tool, ['-v'], { stdio: 'ignore' });
      } catch (error) {
        requirePrerequisite(this, false, `Info-ZIP ${tool}`, error);
      }
    }
    return (async () => {
      const sandbox = await makeSandbox();
      cleanups.push(sandbox.cleanup);
      const source = path.join(sandbox.root, 'src', 'Top');
      for (let i = 0; i < 30; i++) {
        fs.mkdirSync(path.join(source, `dir${i % 3}`), { recursive: true });
        fs.writeFileSync(path.join(source, `dir${i % 3}`, `file${i}.txt`), text(50 * i, `file${i}`));
      }
      fs.mkdirSync(path.join(source, 'empty'));
      execFileSync('zip', ['-qr', sandbox.zipPath, 'Top'], { cwd: path.dirname(source) });
      const unzipped = path.join(sandbox.root, 'unzipped');
      execFileSync('unzip', ['-q', sandbox.zipPath, '-d', unzipped]);
      const staging = await makeExtractionDir(sandbox.dest);
      const result = await extractZip(sandbox.zipPath, staging, { stripTopLevelFolder: 'Top' });
      const ours = await readTree(staging);
      const theirs = await readTree(path.join(unzipped, 'Top'));
      assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
      for (const [name, content] of theirs) assert.ok(ours.get(name)!.equals(content), name);
      assert.ok(result.directories.includes('empty'));
      assert.ok(fs.statSync(path.join(staging, 'empty')).isDirectory());
    })();
  });
});
