import assert from 'node:assert/strict';
import { parseBoxFolderReference } from '../../../src/core/box/ids';

describe('parseBoxFolderReference', () => {
  const accepted: [string, { type: 'folder' | 'file'; id: string }][] = [
    ['123', { type: 'folder', id: '123' }],
    ['  987654321  ', { type: 'folder', id: '987654321' }],
    ['0', { type: 'folder', id: '0' }],
    ['https://app.box.com/folder/123', { type: 'folder', id: '123' }],
    ['https://app.box.com/folder/123/', { type: 'folder', id: '123' }],
    ['https://acme.app.box.com/folder/555?s=abc&tc=1#frag', { type: 'folder', id: '555' }],
    ['https://APP.BOX.COM/folder/42', { type: 'folder', id: '42' }],
    ['app.box.com/folder/77', { type: 'folder', id: '77' }],
    ['https://app.box.com/file/456', { type: 'file', id: '456' }],
    ['https://ent.box.com/folder/9', { type: 'folder', id: '9' }],
    ['/folder/0', { type: 'folder', id: '0' }],
    ['/file/31?x=1', { type: 'file', id: '31' }],
    ['\thttps://app.box.com/folder/0\n', { type: 'folder', id: '0' }],
  ];
  for (const [input, expected] of accepted) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseBoxFolderReference(input), expected);
    });
  }

  const rejected = [
    '',
    '   ',
    'abc',
    '12a',
    '-5',
    '1'.repeat(21),
    'https://app.box.com/s/abcdef123',
    'https://app.box.com/folder/',
    'https://app.box.com/folder/12/extra',
    'https://app.box.com/folder/abc',
    'https://evil.example.com/folder/123',
    'https://app.box.com.evil.example/folder/123',
    'https://notbox.com/folder/123',
    'ftp://app.box.com/folder/123',
    'javascript:alert(1)',
    'https://user:pw@app.box.com/folder/1',
    '/folders/1',
  ];
  for (const input of rejected) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(parseBoxFolderReference(input), undefined);
    });
  }
});
