import assert from 'node:assert/strict';
import { fileNameFromDisposition } from '../../../src/core/box/client';

describe('fileNameFromDisposition', () => {
  it('prefers the RFC 5987 filename* form', () => {
    assert.equal(
      fileNameFromDisposition(`attachment;filename="Avatars.zip";filename*=UTF-8''Avatars.zip`),
      'Avatars.zip',
    );
    assert.equal(
      fileNameFromDisposition(`attachment;filename="r_sum_s.zip";filename*=UTF-8''r%C3%A9sum%C3%A9s.zip`),
      'résumés.zip',
    );
  });

  it('falls back to the quoted or bare filename', () => {
    assert.equal(fileNameFromDisposition('attachment; filename="my \\"files\\".zip"'), 'my "files".zip');
    assert.equal(fileNameFromDisposition('attachment; filename=plain.zip'), 'plain.zip');
    assert.equal(
      fileNameFromDisposition(`attachment;filename="ok.zip";filename*=UTF-8''%E0%A4%A.zip`),
      'ok.zip',
    );
  });

  it('returns undefined without a file name', () => {
    assert.equal(fileNameFromDisposition(undefined), undefined);
    assert.equal(fileNameFromDisposition('inline'), undefined);
  });
});
