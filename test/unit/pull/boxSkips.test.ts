// Files Box leaves out of a ZIP: counted as skipped, or missing from its totals (total ≠ downloaded + skipped).
// A pull lists what it asked for and fetches each missing file by its content, SHA-1 checked; what Box will not
// serve either is reported as not downloaded, never as a success (leftOut.ts).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { pullArgs, requireBuiltCli, runCli } from '../cli/support';
import { emulatorFixture } from './support';

describe('files Box leaves out of a ZIP', function () {
  this.timeout(120_000);
  const fixture = emulatorFixture('box-pull-box-skips-', async (root) => {
    await makeTree(path.join(root, 'Folder'), {
      seed: 41,
      files: 20,
      maxDepth: 2,
      minSize: 1,
      maxSize: 4000,
    });
    // Alone in its folder: nothing else of the archive makes that folder.
    await fs.mkdir(path.join(root, 'Folder', 'lonely'));
    await fs.writeFile(path.join(root, 'Folder', 'lonely', 'only.bin'), Buffer.alloc(5000, 1).fill(2, 2500));
    await fs.writeFile(path.join(root, 'Folder', 'skipped.txt'), 'Box would not zip me');
    await fs.writeFile(path.join(root, 'Folder', 'private.txt'), 'not yours to download');
  });

  const request = (extra: Partial<PullRequest> = {}): PullRequest => ({
    client: fixture.client(),
    items: [{ type: 'folder', id: fixture.emulator.idForPath('Folder') }],
    destination: fixture.dest(),
    conflictPolicy: 'skip',
    ...extra,
  });

  it('one ZIP whose totals do not add up: the missing file is fetched by content, not reported as pulled', async function () {
    // The archive lacks the file, and Box's status counts it in total_file_count only.
    fixture.emulator.faults.silentlyMissing = { paths: ['Folder/lonely/only.bin'], remaining: 1 };
    const report = await pull(request());
    assert.equal(report.plan, undefined, 'the one-ZIP path');
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Folder'), report.destination), []);
    assert.equal(report.fetchedAfterSkip, 1);
    assert.equal(report.filesSkippedByBox, 0);
    assert.equal(fixture.emulator.stats.fileContentDownloads, 1);
  });

  it('one ZIP with files Box skipped, through the CLI: fetched by content; what Box will not serve is said in one line', async function () {
    await requireBuiltCli();
    fixture.emulator.faults.zipSkips = ['Folder/skipped.txt', 'Folder/lonely'];
    fixture.emulator.faults.inaccessible = ['Folder/private.txt'];
    const dest = fixture.dest();
    const run = await runCli(pullArgs(fixture.emulator, fixture.emulator.idForPath('Folder'), dest));
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.ok(
      lines.includes(
        "Box left 2 files out of the ZIP; they were downloaded one by one and checked against Box's SHA-1.",
      ),
      run.stdout,
    );
    assert.ok(
      lines.includes('Not downloaded: Box skipped 1 files and 0 folders it could not include.'),
      run.stdout,
    );
    await fs.rm(path.join(fixture.sandbox, 'expected'), { recursive: true, force: true });
    await fs.cp(path.join(fixture.root, 'Folder'), path.join(fixture.sandbox, 'expected'), {
      recursive: true,
    });
    await fs.rm(path.join(fixture.sandbox, 'expected', 'private.txt'));
    assert.deepEqual(await diffTrees(path.join(fixture.sandbox, 'expected'), dest), []);
  });

  it('a planned pull whose parts Box skipped files of: fetched by content too', async function () {
    fixture.emulator.faults.maxZipFiles = 6;
    fixture.emulator.faults.zipSkips = ['Folder/skipped.txt', 'Folder/lonely'];
    const report = await pull(request());
    assert.ok(report.plan, 'the planned path');
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Folder'), report.destination), []);
    assert.equal(report.fetchedAfterSkip, 2);
    assert.equal(report.filesSkippedByBox, 0);
  });
});
