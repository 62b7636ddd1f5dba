// Pulls that are not one folder: the root ("All Files") and several items at once. Over Box's limits they take the
// planned path like a folder does (list, split under the learned limits, several streams), and every API call of
// a pull, ZIP creates and status polls too, waits in the one rate window (rateLimit.ts).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import { RateLimiter } from '../../../src/core/pull/rateLimit';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { jsonPullArgs, requireBuiltCli, runCli } from '../cli/support';
import { emulatorFixture } from './support';

describe('pulling the root or several items (planned path)', function () {
  this.timeout(120_000);
  const fixture = emulatorFixture('box-pull-any-items-', async (root) => {
    await makeTree(path.join(root, 'Pick', 'A'), {
      seed: 31,
      files: 14,
      maxDepth: 2,
      minSize: 0,
      maxSize: 3000,
    });
    await makeTree(path.join(root, 'Pick', 'B'), {
      seed: 32,
      files: 9,
      maxDepth: 1,
      minSize: 1,
      maxSize: 3000,
    });
    await fs.writeFile(path.join(root, 'Pick', 'c.txt'), 'a file picked beside two folders');
    await makeTree(path.join(root, 'Other'), { seed: 33, files: 6, maxDepth: 1, minSize: 1, maxSize: 2000 });
    await fs.writeFile(path.join(root, 'top.txt'), 'a file at the root');
  });
  const { dest, client: clientOf } = fixture;
  const pickedItems = (): PullRequest['items'] => [
    { type: 'folder', id: fixture.emulator.idForPath('Pick/A') },
    { type: 'folder', id: fixture.emulator.idForPath('Pick/B') },
    { type: 'file', id: fixture.emulator.idForPath('Pick/c.txt') },
  ];

  it('the root over the file limit, through the CLI: split into parts under the limit, the account reproduced', async function () {
    await requireBuiltCli();
    fixture.emulator.faults.maxZipFiles = 8;
    const target = dest();
    const run = await runCli(jsonPullArgs(fixture.emulator, '', target));
    assert.equal(run.code, 0, run.stderr);
    const done = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      filesWritten: number;
      plan?: { parts: { files: number }[] };
    };
    assert.equal(done.filesWritten, 14 + 9 + 1 + 6 + 1);
    assert.ok(done.plan && done.plan.parts.length >= 4, JSON.stringify(done.plan));
    for (const part of done.plan.parts) assert.ok(part.files <= 8, JSON.stringify(part));
    assert.deepEqual(await diffTrees(fixture.root, target), []);
  });

  it('several items over the file limit: listed, split, and placed as one ZIP of them would place them', async function () {
    fixture.emulator.faults.maxZipFiles = 5;
    const report = await pull({
      client: clientOf(),
      items: pickedItems(),
      destination: dest(),
      conflictPolicy: 'skip',
    });
    assert.equal(report.filesWritten, 24);
    assert.ok(report.plan, 'the planned path');
    for (const part of report.plan.parts) assert.ok(part.files <= 5, JSON.stringify(part));
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Pick'), report.destination), []);
  });

  it('every API call of a planned pull waits in one rate window: listing pages, ZIP creates and status polls', async function () {
    fixture.emulator.faults.maxZipFiles = 3;
    // Time moves only when the window makes a call wait: the test never sleeps.
    let now = 0;
    const released: number[] = [];
    const limiter = new RateLimiter(
      6,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    const client = clientOf({
      rateLimiter: {
        take: async (signal) => {
          await limiter.take(signal);
          released.push(now);
        },
      },
    });
    const before = fixture.emulator.stats.apiRequests;
    const report = await pull({ client, items: pickedItems(), destination: dest(), conflictPolicy: 'skip' });
    assert.deepEqual(await diffTrees(path.join(fixture.root, 'Pick'), report.destination), []);
    assert.ok(report.plan!.zipRequests >= 8, JSON.stringify(report.plan));
    // Every API request the server saw went through the window, and no minute of it held more than 6.
    assert.equal(released.length, fixture.emulator.stats.apiRequests - before);
    const statusPolls = Object.entries(fixture.emulator.stats.byPath)
      .filter(([key]) => key.startsWith('GET /2.0/zip_downloads/'))
      .reduce((sum, [, count]) => sum + count, 0);
    assert.ok(statusPolls > 0 && fixture.emulator.stats.zipCreates >= 8);
    for (let i = 0; i < released.length; i++) {
      const inWindow = released.filter((at) => at >= released[i] && at < released[i] + 60_000).length;
      assert.ok(inWindow <= 6, `${inWindow} calls in the minute from ${released[i]} ms`);
    }
    assert.ok(
      now >= 60_000 * Math.floor((released.length - 1) / 6),
      `the window made calls wait (${now} ms)`,
    );
  });
});
