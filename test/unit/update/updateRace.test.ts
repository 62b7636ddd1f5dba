// An update stats the files it recorded while Box's listing is still being read (updatePull.ts). A local edit made
// after that stat, before the update acts on the file, must still be seen: an edit is never overwritten as "changed
// on Box, unchanged here".
import assert from 'node:assert/strict';
import { promises as fs, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import type { PullProgress } from '../../../src/core/pull/progress';
import { emulatorFixture } from '../pull/support';
import { writeWithOwnTime } from '../../helpers/ownTime';

describe('update: a file edited here while Box is listed', function () {
  this.timeout(60_000);
  const fixture = emulatorFixture('box-pull-update-race-', async () => undefined);
  let folders = 0;

  /** A Box folder with these files (each with a time of its own: the emulator's SHA-1 cache keys on it). */
  async function boxFolder(files: Record<string, string>): Promise<{ name: string; dir: string }> {
    const name = `Race${++folders}`;
    const dir = path.join(fixture.root, name);
    for (const [relative, text] of Object.entries(files)) await writeWithOwnTime(dir, relative, text);
    return { name, dir };
  }

  function update(name: string, dest: string, onProgress?: (p: PullProgress) => void): Promise<unknown> {
    const request: PullRequest = {
      client: fixture.client(),
      items: [{ type: 'folder', id: fixture.emulator.idForPath(name) }],
      destination: dest,
      conflictPolicy: 'skip',
      options: { update: true },
      onProgress,
    };
    return pull(request);
  }

  it('changed on Box and edited here during the listing: a conflict, the edit kept', async function () {
    const box = await boxFolder({ 'a.txt': 'box one', 'b.txt': 'box one', 'sub/c.txt': 'same' });
    const dest = fixture.dest();
    await update(box.name, dest);
    await update(box.name, dest); // as after every update: the state knows Box's ids
    await writeWithOwnTime(box.dir, 'a.txt', 'box two, longer');
    await writeWithOwnTime(box.dir, 'b.txt', 'box two, longer');

    let edited = false;
    const report = (await update(box.name, dest, (p) => {
      // Once a folder is listed, the recorded files have been stat'ed: this edit comes after that stat.
      if (!edited && (p.foldersListed ?? 0) > 0) {
        edited = true;
        writeFileSync(path.join(dest, 'a.txt'), 'mine, edited during the listing');
      }
    })) as { update: { updated: string[]; conflicts: string[]; conflictsKept: string[] } };

    assert.ok(edited, 'the listing reported progress');
    assert.equal(await fs.readFile(path.join(dest, 'a.txt'), 'utf8'), 'mine, edited during the listing');
    assert.deepEqual(report.update.conflicts, ['a.txt']);
    assert.deepEqual(report.update.conflictsKept, ['a.txt']);
    // The rest of the plan is as without the edit.
    assert.deepEqual(report.update.updated, ['b.txt']);
    assert.equal(await fs.readFile(path.join(dest, 'b.txt'), 'utf8'), 'box two, longer');
  });
});
