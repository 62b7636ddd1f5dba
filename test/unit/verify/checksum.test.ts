import * as assert from 'node:assert/strict';
import { sha1Hasher, sha1Of } from '../../../src/core/verify/checksum';

describe('checksum', () => {
  it('sha1Of gives the hex SHA-1 of any bytes (FIPS 180 test vectors), a view of a larger buffer too', () => {
    assert.equal(sha1Of(Buffer.alloc(0)), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(sha1Of(Buffer.from('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    const inside = Buffer.from('xxabcxx').subarray(2, 5);
    assert.equal(sha1Of(inside), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(sha1Of(new Uint8Array(inside)), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    const million = Buffer.alloc(1_000_000, 'a');
    assert.equal(sha1Of(million), '34aa973cd4c4daa4f61eeb2bdbad27316534016f');
    assert.equal(sha1Hasher().update(million).digest('hex'), sha1Of(million));
  });
});
