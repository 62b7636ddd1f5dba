// A placed file's size and time come from the identity placing took before its move (placementJournal.ts
// `sizeAndTimeOf`), not from another lstat: the state file compares them with a later lstat's `mtimeMs` for
// equality, so a value off by one bit would make every next update hash every file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { fileId, sizeAndTimeOf } from '../../../src/core/place/placementJournal';

describe('sizeAndTimeOf', function () {
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'box-pull-size-time-'));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('equals a plain lstat for any time since 1970 and any size', function () {
    const file = path.join(dir, 'f');
    fc.assert(
      fc.property(
        // Seconds from 1970 to 2100, with a fraction down to the nanosecond.
        fc.integer({ min: 0, max: 4_102_444_800 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 4096 }),
        (seconds, nanoseconds, size) => {
          fs.writeFileSync(file, Buffer.alloc(size));
          const time = seconds + nanoseconds / 1e9;
          fs.utimesSync(file, time, time);
          const plain = fs.lstatSync(file);
          const fromId = sizeAndTimeOf(fileId(fs.lstatSync(file, { bigint: true })));
          assert.deepEqual(fromId, { size: plain.size, mtimeMs: plain.mtimeMs });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives nothing for a time before 1970 or an id of another shape', function () {
    assert.equal(sizeAndTimeOf('12:5:-1500000000'), undefined);
    assert.equal(sizeAndTimeOf('not an id'), undefined);
  });
});
