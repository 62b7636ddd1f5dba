// Hostile archives end to end: the emulator serves a zip-slip or symlink archive in place of the one it builds
// (`faults.servedArchive`), and pull() — HTTP, streaming extraction, the central-directory pass, placement — must
// refuse it with one clear line, write nothing outside the destination, and leave the destination as it was.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pull } from '../../../src/core/pull/pull';
import { buildZip, S_IFLNK, unixAttributes, type RawEntry } from '../../helpers/zipBuilder';
import { snapshot } from '../extract/sandbox';
import {
  assertUnchanged,
  FOLDER,
  listing,
  makeClient,
  plantUserFiles,
  pullRequest,
  resetFaults,
  startFixture,
  type Fixture,
} from '../reliability/support';
import { PullError } from '../../../src/core/errors';

describe('hostile archives served by the emulator, through pull()', function () {
  let fixture: Fixture;
  /** A folder next to the destinations that a hostile archive aims at; it must stay empty. */
  let elsewhere: string;

  before(async function () {
    fixture = await startFixture({ seed: 5, tree: { files: 8 } });
    elsewhere = path.join(fixture.sandbox, 'elsewhere');
    await fs.mkdir(elsewhere);
  });

  after(async function () {
    await fixture?.close();
  });

  afterEach(function () {
    resetFaults(fixture);
  });

  const symlink = (name: string, target: string): RawEntry => ({
    name,
    data: target,
    method: 0,
    externalAttributes: unixAttributes(S_IFLNK | 0o777),
  });

  /** Every archive starts with a harmless file, so streaming has written something before the hostile entry. */
  const cases: { label: string; entries: () => RawEntry[]; reason: RegExp; entryName: () => string }[] = [
    {
      label: 'zip slip: ../ out of the destination',
      entries: () => [
        { name: `${FOLDER}/harmless.txt`, data: 'harmless' },
        { name: `${FOLDER}/../../../escaped.txt`, data: 'escaped' },
      ],
      reason: /^Unsafe entry name \(parent-directory segment \(\.\.\)\): /,
      entryName: () => `${FOLDER}/../../../escaped.txt`,
    },
    {
      label: 'zip slip: an absolute path into a folder next to the destination',
      entries: () => [
        { name: `${FOLDER}/harmless.txt`, data: 'harmless' },
        { name: path.join(elsewhere, 'planted.txt'), data: 'planted' },
      ],
      reason: /^Unsafe entry name \(absolute path\): /,
      entryName: () => path.join(elsewhere, 'planted.txt'),
    },
    {
      label: 'a symlink to a folder outside, then a file written through it',
      entries: () => [
        { name: `${FOLDER}/harmless.txt`, data: 'harmless' },
        symlink(`${FOLDER}/link`, elsewhere),
        { name: `${FOLDER}/link/planted.txt`, data: 'planted' },
      ],
      reason: /^The archive contains a symbolic link: /,
      entryName: () => `${FOLDER}/link`,
    },
    {
      label: 'a relative symlink up and out of the destination',
      entries: () => [
        { name: `${FOLDER}/harmless.txt`, data: 'harmless' },
        symlink(`${FOLDER}/up`, '../../../elsewhere'),
      ],
      reason: /^The archive contains a symbolic link: /,
      entryName: () => `${FOLDER}/up`,
    },
  ];

  /** Pulls with `entries` served as the archive; returns what the pull rejected with. */
  async function refusedPull(destination: string, entries: RawEntry[]): Promise<unknown> {
    fixture.emulator.faults.servedArchive = buildZip(entries);
    const createsBefore = fixture.emulator.stats.zipCreates;
    const error = await pull(pullRequest(fixture, makeClient(fixture), destination)).then(
      () => assert.fail('the hostile archive was accepted'),
      (failure: unknown) => failure,
    );
    assert.equal(fixture.emulator.stats.zipCreates - createsBefore, 1, 'no fresh ZIP: Box built it so');
    return error;
  }

  function assertClearReason(error: unknown, reason: RegExp, entryName: string): void {
    assert.ok(error instanceof PullError, `expected a PullError, got ${String(error)}`);
    assert.equal(error.code, 'archive_invalid', error.message);
    assert.equal(error.message.split('\n').length, 1, 'one line a person can read');
    assert.match(error.message, reason);
    assert.ok(error.message.endsWith(JSON.stringify(entryName)), `names the entry: ${error.message}`);
  }

  for (const { label, entries, reason, entryName } of cases) {
    it(`${label}: refused, nothing escapes, the destination is as it was`, async function () {
      const destination = fixture.freshDestination();
      await plantUserFiles(destination, { 'harmless.txt': 'the user wrote this', 'notes/mine.md': 'mine' });
      const before = await listing(destination);
      // The whole sandbox: the destination, its siblings, the folder served as Box, and `elsewhere`.
      const everything = await snapshot(fixture.sandbox);

      const error = await refusedPull(destination, entries());

      // What reached the disk first: a wrong message is bad, a file outside the destination is worse.
      assert.deepEqual(await fs.readdir(elsewhere), []);
      await assertUnchanged(destination, before, label);
      assert.deepEqual(await snapshot(fixture.sandbox), everything, 'something changed outside the pull');
      assertClearReason(error, reason, entryName());
    });
  }

  it('a destination the refused pull created is removed again', async function () {
    const destination = path.join(fixture.freshDestination(), 'nested');
    const { entries, reason, entryName } = cases[2];
    const error = await refusedPull(destination, entries());
    assert.deepEqual(await fs.readdir(elsewhere), []);
    await assertUnchanged(destination, undefined, 'symlink into a new destination');
    await assert.rejects(fs.access(path.dirname(destination)), 'its parent, created for it, is gone too');
    assertClearReason(error, reason, entryName());
  });

  it('control: a benign served archive is what arrives (the knob really replaces the built ZIP)', async function () {
    fixture.emulator.faults.servedArchive = buildZip([
      { name: `${FOLDER}/served.txt`, data: 'served by the knob' },
      { name: `${FOLDER}/sub/b.txt`, data: 'b' },
    ]);
    const destination = fixture.freshDestination();
    const report = await pull(pullRequest(fixture, makeClient(fixture), destination));
    assert.equal(report.filesWritten, 2);
    const pulled = await listing(destination);
    assert.deepEqual([...pulled!.files.keys()].sort(), ['served.txt', 'sub/b.txt']);
    assert.equal(pulled!.files.get('served.txt')!.toString(), 'served by the knob');
  });
});
