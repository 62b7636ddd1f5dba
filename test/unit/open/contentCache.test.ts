// The read-only editors' content cache: keyed by id and version, bounded by bytes, least recently used first.
import assert from 'node:assert/strict';
import { ContentCache } from '../../../src/core/open/contentCache';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('ContentCache', () => {
  it('a changed version of a file is a miss', () => {
    const cache = new ContentCache(100);
    cache.set({ id: '7', version: 'aaa' }, bytes(10));
    assert.equal(cache.get({ id: '7', version: 'aaa' })?.byteLength, 10);
    assert.equal(cache.get({ id: '7', version: 'bbb' }), undefined);
    assert.equal(cache.get({ id: '8', version: 'aaa' }), undefined);
  });

  it('stays within its bytes, dropping the least recently used first', () => {
    const cache = new ContentCache(100);
    cache.set({ id: '1', version: 'v' }, bytes(40));
    cache.set({ id: '2', version: 'v' }, bytes(40));
    cache.get({ id: '1', version: 'v' }); // 1 is now the most recently used
    cache.set({ id: '3', version: 'v' }, bytes(40));
    assert.equal(cache.size, 80);
    assert.ok(cache.get({ id: '1', version: 'v' }));
    assert.equal(cache.get({ id: '2', version: 'v' }), undefined);
    assert.ok(cache.get({ id: '3', version: 'v' }));
  });

  it('keeps the newest entry even when it alone is over the bound, and replaces an entry in place', () => {
    const cache = new ContentCache(100);
    cache.set({ id: '1', version: 'v' }, bytes(40));
    cache.set({ id: 'big', version: 'v' }, bytes(150));
    assert.equal(cache.size, 150);
    assert.equal(cache.get({ id: '1', version: 'v' }), undefined);
    assert.ok(cache.get({ id: 'big', version: 'v' }));
    cache.set({ id: 'big', version: 'v' }, bytes(20, 2));
    assert.equal(cache.size, 20);
    assert.equal(cache.get({ id: 'big', version: 'v' })?.[0], 2);
  });
});
