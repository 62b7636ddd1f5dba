import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  localFolderName,
  targetPathFor,
  type DownloadItem,
} from '../../../src/vscode/download/destinationRules';

const folder = (name: string, id = '11'): DownloadItem => ({ type: 'folder', id, name });
const file = (name: string): DownloadItem => ({ type: 'file', id: '22', name });
const picked = path.resolve('/work/space');

describe('destination rules', () => {
  it('subfolder layout: one Box folder goes into a folder of its name', () => {
    assert.equal(targetPathFor([folder('Reports')], picked, 'subfolder'), path.join(picked, 'Reports'));
  });

  it('subfolder layout: several items, or one file, go into the picked folder itself', () => {
    assert.equal(targetPathFor([folder('A'), folder('B')], picked, 'subfolder'), picked);
    assert.equal(targetPathFor([file('notes.txt')], picked, 'subfolder'), picked);
  });

  it('direct layout: always the picked folder', () => {
    assert.equal(targetPathFor([folder('Reports')], picked, 'direct'), picked);
  });

  it('a Box name that cannot be a local folder name falls back to the folder id, never escapes', () => {
    for (const name of ['..', '.', 'a/b', '', 'bad\u0000name']) {
      const local = localFolderName(folder(name, '42'));
      assert.equal(local, 'Box folder 42', JSON.stringify(name));
      assert.equal(path.dirname(targetPathFor([folder(name, '42')], picked, 'subfolder')), picked);
    }
  });

  it('keeps an ordinary name as it is', () => {
    assert.equal(localFolderName(folder('Q3 results (final)')), 'Q3 results (final)');
  });
});
