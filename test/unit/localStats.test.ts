// localPath's shortcut (a plain join, without path.join's normalising) must give exactly what path.join gives.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { allNamedSegments, localPath } from '../../src/core/localStats';

describe('localPath', function () {
  const destinations = [
    '/work/dest',
    '/work/dest/',
    '/',
    '/work//dest',
    '/work/./dest',
    '/work/x/../dest',
    'rel/dest',
    '.',
    '',
  ];
  const relatives = [
    'a.txt',
    'src/d000/e0/f00000.txt',
    '',
    'a//b',
    './a',
    'a/.',
    'a/..',
    '../a',
    'a/../../b',
    '/a',
    'a/',
    '.',
    '..',
    '...',
    '.hidden/..x/x..',
    'a\\b',
  ];
  for (const destination of destinations) {
    it(`joins as path.join does under ${JSON.stringify(destination)}`, function () {
      for (const relative of relatives) {
        // Twice: the second call takes the shortcut for a destination found plain.
        for (let i = 0; i < 2; i++) {
          assert.equal(
            localPath(destination, relative),
            path.join(destination, ...relative.split('/')),
            JSON.stringify(relative),
          );
        }
      }
    });
  }

  it('allNamedSegments: false for an empty, `.` or `..` segment anywhere', function () {
    for (const named of ['a', 'a/b', '...', '.a/b.', 'a/..b', '.../x'])
      assert.ok(allNamedSegments(named), named);
    for (const unnamed of ['', '.', '..', '/a', 'a/', 'a//b', './a', 'a/.', 'a/../b', 'a/..'])
      assert.ok(!allNamedSegments(unnamed), unnamed);
  });
});
