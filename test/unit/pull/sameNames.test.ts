// A selection of items that share a name (`a/report.pdf` and `b/report.pdf`, two folders `data`): each lands in a
// place of its own, named the same way every time, and the report says which was renamed. One ZIP would take Box's
// random names (`3aa6a7.pdf`), so such a selection is listed (listing.ts) whatever its size.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { summary } from '../../../src/cli/render';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import { readTree } from '../../helpers/compareTrees';
import { emulatorFixture } from './support';

const write = async (root: string, relPath: string, text: string) => {
  await fs.mkdir(path.dirname(path.join(root, relPath)), { recursive: true });
  await fs.writeFile(path.join(root, relPath), text);
};

describe('pulling several items that share a name', function () {
  this.timeout(120_000);
  const fixture = emulatorFixture('box-pull-same-names-', async (root) => {
    await write(root, 'a/report.pdf', 'report of a');
    await write(root, 'b/Report.pdf', 'report of b, named alike but for case');
    await write(root, 'c/report (2).pdf', 'a name the renaming must not take');
    await write(root, 'a/data/x.txt', 'x of a');
    await write(root, 'a/data/only-a.txt', 'only in a');
    await write(root, 'b/data/x.txt', 'x of b');
    await write(root, 'b/data/deep/y.txt', 'y of b');
  });

  const selection = (): PullRequest['items'] => {
    const id = (relPath: string) => fixture.emulator.idForPath(relPath);
    return [
      { type: 'file', id: id('a/report.pdf') },
      { type: 'file', id: id('b/Report.pdf') },
      { type: 'file', id: id('c/report (2).pdf') },
      { type: 'folder', id: id('a/data') },
      { type: 'folder', id: id('b/data') },
    ];
  };
  const pullSelection = () =>
    pull({
      client: fixture.client(),
      items: selection(),
      destination: fixture.dest(),
      conflictPolicy: 'skip',
    });
  const expected = {
    'report.pdf': 'report of a',
    'Report (3).pdf': 'report of b, named alike but for case',
    'report (2).pdf': 'a name the renaming must not take',
    'data/x.txt': 'x of a',
    'data/only-a.txt': 'only in a',
    'data (2)/x.txt': 'x of b',
    'data (2)/deep/y.txt': 'y of b',
  };
  const contents = async (dir: string) => {
    const { files } = await readTree(dir);
    return Object.fromEntries([...files].map(([name, bytes]) => [name, bytes.toString()]));
  };

  it('each item keeps its own files: later ones numbered, the same names every time, each rename reported', async function () {
    for (const maxZipFiles of [10_000, 2]) {
      // In one ZIP Box renames the clashing items at random; split, they sit in different archives.
      fixture.emulator.faults.maxZipFiles = maxZipFiles;
      const report = await pullSelection();
      assert.ok(report.plan, 'listed: the listing names the items');
      assert.deepEqual(await contents(report.destination), expected);
      assert.deepEqual(report.nameConflicts, [
        { originalName: 'Report.pdf', downloadName: 'Report (3).pdf' },
        { originalName: 'data', downloadName: 'data (2)' },
      ]);
      assert.equal(report.filesWritten, 7);
      const lines = summary(report);
      assert.ok(lines.includes('Name conflict: Report.pdf was saved as Report (3).pdf.'), lines.join('\n'));
      assert.ok(lines.includes('Name conflict: data was saved as data (2).'), lines.join('\n'));
    }
  });
});
