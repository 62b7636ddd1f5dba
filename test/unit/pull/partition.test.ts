// The planner's pure parts: splitting a listed tree under limits, learning limits from refusals, the filters, and
// the listing's rate limit (on a clock the test moves).
import assert from 'node:assert/strict';
import { BoxApiError } from '../../../src/core/errors';
import { makeFilter } from '../../../src/core/pull/filters';
import { FILE_LIMIT_CODE, BYTE_LIMIT_CODE, learnLimits, NO_LIMITS } from '../../../src/core/pull/limits';
import type { ListedFile, ListedFolder } from '../../../src/core/pull/listing';
import { partition } from '../../../src/core/pull/partition';
import { matchArchiveFiles } from '../../../src/core/pull/partIntake';
import { RateLimiter } from '../../../src/core/pull/rateLimit';
import { ManualClock } from '../../helpers/clock';

let nextId = 1;
function file(rawPath: string, size: number): ListedFile {
  const name = rawPath.slice(rawPath.lastIndexOf('/') + 1);
  return { type: 'file', id: String(nextId++), name, rawPath, path: rawPath, size, sha1: undefined };
}
function folder(
  rawPath: string,
  files: ListedFile[],
  folders: ListedFolder[] = [],
  whole = true,
): ListedFolder {
  const name = rawPath.slice(rawPath.lastIndexOf('/') + 1);
  const below = folders.reduce((sum, f) => ({ n: sum.n + f.fileCount, b: sum.b + f.bytes }), { n: 0, b: 0 });
  return {
    type: 'folder',
    id: String(nextId++),
    name,
    rawPath,
    path: rawPath,
    files,
    folders,
    fileCount: files.length + below.n,
    bytes: files.reduce((sum, f) => sum + f.size, 0) + below.b,
    whole: whole && folders.every((f) => f.whole),
  };
}
const refusal = (code: string, message = '') =>
  new BoxApiError({ status: 400, method: 'POST', url: '/2.0/zip_downloads', code, boxMessage: message });

describe('planned pull: partition, limits, filters, rate limit', function () {
  const tree = () =>
    folder(
      '',
      [file('top.txt', 10)],
      [
        folder('a', [file('a/1', 100), file('a/2', 100)]),
        folder('b', [file('b/1', 5), file('b/2', 5), file('b/3', 5)], [folder('b/c', [file('b/c/1', 5)])]),
      ],
    );

  it('keeps the whole tree as one item when it fits, and splits into whole folders otherwise', function () {
    assert.deepEqual(
      partition([tree()], NO_LIMITS).parts.map((part) => part.items.map((item) => item.rawPath)),
      [['']],
    );
    const split = partition([tree()], { maxFiles: 4, maxBytes: 1000 });
    assert.deepEqual(
      split.parts.map((part) => part.items.map((item) => `${item.type}:${item.rawPath}`)),
      [['file:top.txt', 'folder:a'], ['folder:b']],
    );
    for (const part of split.parts) assert.ok(part.files <= 4);
  });

  it('splits a folder over the limit into file items, and sends a file over the byte limit by content', function () {
    const split = partition([tree()], { maxFiles: 10, maxBytes: 99 });
    assert.deepEqual(
      split.direct.map((f) => f.rawPath),
      ['a/1', 'a/2'],
    );
    for (const part of split.parts) assert.ok(part.bytes <= 99);
    assert.equal(
      split.parts.reduce((sum, part) => sum + part.files, 0),
      5,
    );
  });

  it('never zips a folder whole when a filter left something inside it out', function () {
    const partial = folder('', [], [folder('a', [file('a/1', 1)], [], false)]);
    const items = partition([partial], NO_LIMITS).parts.flatMap((part) => part.items);
    assert.deepEqual(
      items.map((item) => `${item.type}:${item.rawPath}`),
      ['file:a/1'],
    );
  });

  it('learns a file limit Box states, else halves what it refused; a byte limit is halved', function () {
    const stated = learnLimits(
      refusal(FILE_LIMIT_CODE, 'exceeds the limit of 1,000.'),
      { files: 5000, bytes: 1 },
      NO_LIMITS,
    );
    assert.equal(stated.maxFiles, 1000);
    const halved = learnLimits(
      refusal(FILE_LIMIT_CODE, 'limit of 9,999,999'),
      { files: 50, bytes: 1 },
      NO_LIMITS,
    );
    assert.equal(halved.maxFiles, 25);
    const bytes = learnLimits(refusal(BYTE_LIMIT_CODE), { files: 50, bytes: 1000 }, NO_LIMITS);
    assert.deepEqual(bytes, { maxFiles: Infinity, maxBytes: 500 });
  });

  it('filters: excludes prune folders, includes pick files, dotfiles match like any file', function () {
    const filter = makeFilter({ include: ['**/*.txt'], exclude: ['raw', '**/node_modules/**'] });
    assert.equal(filter.active, true);
    assert.equal(filter.excludesFolder('raw'), true);
    assert.equal(filter.excludesFolder('x/node_modules'), true);
    assert.equal(filter.excludesFolder('x'), false);
    assert.equal(filter.includesFile('x/.env.txt'), true);
    assert.equal(filter.includesFile('x/a.md'), false);
    assert.equal(makeFilter({}).active, false);
  });

  it('the rate limit lets N calls through in any minute, and the next when the first is a minute old', async function () {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter(3, clock.now, clock.sleep);
    await limiter.take();
    clock.advance(10_000);
    await limiter.take();
    await limiter.take();
    let fourth = false;
    const waiting = limiter.take().then(() => (fourth = true));
    await clock.whenSleeping(1);
    clock.advance(49_999);
    await clock.whenSleeping(1);
    assert.equal(fourth, false, 'three calls already in this minute');
    clock.advance(1);
    await waiting;
    assert.equal(fourth, true);
  });

  it('finds the listed file of each entry through name_conflicts, and never counts one file twice', function () {
    const a = file('x/same.txt', 1);
    const b = file('y/same.txt', 1);
    const inside = file('z/d/e.txt', 1);
    const d = folder('z/d', [inside]);
    const listing = { files: new Map([a, b, inside].map((f) => [f.rawPath, f])) };
    const part = partition([a, b, d], NO_LIMITS).parts[0];
    const conflicts = [
      [
        { id: a.id, type: 'file' as const, original_name: 'same.txt', download_name: '1a2b3c.txt' },
        { id: b.id, type: 'file' as const, original_name: 'same.txt', download_name: '4d5e6f.txt' },
      ],
    ];
    const entry = (archiveName: string) => ({ archiveName, relativePath: archiveName, size: 1 });
    const honest = matchArchiveFiles(
      part,
      conflicts,
      [entry('1a2b3c.txt'), entry('4d5e6f.txt'), entry('d/e.txt')],
      listing,
    );
    assert.deepEqual(
      honest.found.map((m) => m.file.rawPath),
      ['x/same.txt', 'y/same.txt', 'z/d/e.txt'],
    );
    // A server that named both items alike: the second entry claims no file, so the part is seen to be short.
    const liar = matchArchiveFiles(
      part,
      [],
      [entry('same.txt'), entry('same.txt'), entry('d/extra.txt')],
      listing,
    );
    assert.equal(liar.found.length, 1);
    assert.deepEqual(liar.unlisted, ['same.txt', 'd/extra.txt']);
  });
});
