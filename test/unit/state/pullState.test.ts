// Reading the state file: only a well-formed record of this very folder and API is trusted.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPullState, serializeState, type StateEntry } from '../../../src/core/state/pullState';

const owner = { folderId: '123', apiOrigin: 'https://api.box.com' };
const entry: StateEntry = {
  id: '9',
  path: 'a/b.txt',
  sha1: 'a'.repeat(40),
  size: 1,
  localSize: 1,
  localMtimeMs: 5,
};

describe('readPullState', function () {
  let dest: string;
  beforeEach(async function () {
    dest = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-state-read-'));
  });
  afterEach(async function () {
    await fs.rm(dest, { recursive: true, force: true });
  });
  const write = (value: unknown) =>
    fs.writeFile(
      path.join(dest, '.box-pull.json'),
      typeof value === 'string' ? value : JSON.stringify(value),
    );

  it('finds what serializeState wrote, and says missing when there is none', async function () {
    assert.deepEqual(await readPullState(dest, owner), { kind: 'missing' });
    await write(serializeState(owner, [entry]));
    const read = await readPullState(dest, owner);
    assert.equal(read.kind, 'found');
    assert.deepEqual(read.kind === 'found' && read.state.files, [entry]);
  });

  it("records Box's folders, keeps only paths a reader accepts, and reads files without a folder list", async function () {
    await write(serializeState(owner, [entry], new Date(), ['b', 'a', 'a', '', '../x', 'a/c']));
    const read = await readPullState(dest, owner);
    assert.deepEqual(read.kind === 'found' && read.state.folders, ['a', 'a/c', 'b']);
    await write(serializeState(owner, [entry]));
    const older = await readPullState(dest, owner);
    assert.equal(older.kind === 'found' && older.state.folders, undefined);
  });

  const base = JSON.parse(serializeState(owner, [entry])) as Record<string, unknown>;
  const bad: [string, unknown, RegExp][] = [
    ['torn JSON', '{"version":1,', /not valid JSON/],
    ['another version', { ...base, version: 2 }, /version 2/],
    ['another folder', { ...base, folderId: '124' }, /belongs to Box folder 124/],
    ['another API', { ...base, apiOrigin: 'http://127.0.0.1:9' }, /belongs to/],
    ['a path out of the destination', { ...base, files: [{ ...entry, path: '../x' }] }, /malformed/],
    ['an absolute path', { ...base, files: [{ ...entry, path: '/etc/passwd' }] }, /malformed/],
    ['the state file itself', { ...base, files: [{ ...entry, path: '.BOX-pull.json' }] }, /malformed/],
    ['a bad SHA-1', { ...base, files: [{ ...entry, sha1: 'xyz' }] }, /malformed/],
    ['a path twice', { ...base, files: [entry, entry] }, /twice/],
    ['no file list', { ...base, files: undefined }, /no file list/],
    ['a folder out of the destination', { ...base, folders: ['a', '../up'] }, /folder list is malformed/],
    ['a folder list of another shape', { ...base, folders: 'a' }, /folder list is malformed/],
  ];
  for (const [what, value, reason] of bad) {
    it(`ignores a state file with ${what}`, async function () {
      await write(value);
      const read = await readPullState(dest, owner);
      assert.equal(read.kind, 'ignored');
      assert.match(read.kind === 'ignored' ? read.reason : '', reason);
    });
  }
});
