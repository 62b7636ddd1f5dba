// Recording the state file of a one-ZIP pull: each file's SHA-1 comes from extraction when it was hashed there.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nullLogger } from '../../../src/core/logger';
import { createStagingDir, removeStagingDir } from '../../../src/core/place/staging';
import { readPullState } from '../../../src/core/state/pullState';
import { placeRecorded } from '../../../src/core/state/recordState';
import { sha1Of } from '../../../src/core/verify/checksum';

describe('placeRecorded', function () {
  let root: string;
  beforeEach(async function () {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-record-'));
  });
  afterEach(async function () {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('takes the SHA-1 extraction computed instead of reading the file back; hashes the others', async function () {
    const destination = path.join(root, 'dest');
    await fs.mkdir(destination);
    const staging = await createStagingDir(destination);
    const filesDir = path.join(staging, 'files');
    await fs.mkdir(filesDir);
    await fs.writeFile(path.join(filesDir, 'hashed.txt'), 'hashed while extracted');
    await fs.writeFile(path.join(filesDir, 'plain.txt'), 'not hashed');
    // Not the file's own hash: only a file read back would be recorded with its real one.
    const fromExtraction = 'f'.repeat(40);
    const owner = { folderId: '7', apiOrigin: 'http://127.0.0.1:1' };
    await placeRecorded(
      filesDir,
      {
        files: [
          { relativePath: 'hashed.txt', size: 22, archiveName: 'hashed.txt', sha1: fromExtraction },
          { relativePath: 'plain.txt', size: 10, archiveName: 'plain.txt' },
        ],
        directories: [],
      },
      destination,
      { policy: 'skip' },
      { owner },
      nullLogger,
    );
    await removeStagingDir(staging);
    const read = await readPullState(destination, owner);
    assert.equal(read.kind, 'found');
    const sha1s = new Map(
      read.kind === 'found' ? read.state.files.map((file) => [file.path, file.sha1]) : [],
    );
    assert.equal(sha1s.get('hashed.txt'), fromExtraction);
    assert.equal(sha1s.get('plain.txt'), sha1Of(Buffer.from('not hashed')));
  });
});
