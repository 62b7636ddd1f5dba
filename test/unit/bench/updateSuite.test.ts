// The pure parts of the update bench (#13): which files change, how a change leaves the corpus alone, the listing
// arithmetic, the crossover's reading, the met/missed verdicts and the --row flags. The bench itself is not run.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBenchArgs } from '../../../bench/options';
import type { RunSample } from '../../../bench/timedRun';
import { updateVerdicts } from '../../../bench/targets';
import {
  changedCount,
  changeFile,
  chooseChanged,
  contentWinsUpTo,
  expectedListingRequests,
  linkCopy,
} from '../../../bench/updateChanges';
import type { UpdateRowResult } from '../../../bench/updateSuite';

const paths = Array.from(
  { length: 5000 },
  (_, i) => `src/d${Math.floor(i / 500)}/e${Math.floor(i / 50) % 10}/f${i}`,
);

describe('bench: update suite', () => {
  it('changes the asked number of distinct files, the same ones for the same seed, spread over the tree', () => {
    const chosen = chooseChanged(paths, 50, 'one-percent');
    assert.equal(chosen.length, 50);
    assert.equal(new Set(chosen).size, 50);
    assert.deepEqual(chooseChanged([...paths].reverse(), 50, 'one-percent'), chosen);
    assert.notDeepEqual(chooseChanged(paths, 50, 'other'), chosen);
    const leaves = new Set(chosen.map((p) => path.posix.dirname(p)));
    assert.ok(leaves.size >= 25, `only ${leaves.size} of 100 leaf folders touched`);
    // A larger change set starts with the smaller one (the crossover changes files step by step).
    assert.deepEqual(chooseChanged(paths, 64, 'x').slice(0, 8), chooseChanged(paths, 8, 'x'));
    assert.deepEqual(chooseChanged(paths, 0, 'x'), []);
    assert.throws(() => chooseChanged(paths.slice(0, 3), 4, 'x'), /Cannot change 4 of 3 files/);
  });

  it('counts the changed files and the listing requests as the issue states them', () => {
    assert.equal(changedCount(5000, 0.01), 50);
    assert.equal(changedCount(5000, 0.2), 1000);
    assert.equal(changedCount(5000, 0), 0);
    assert.equal(changedCount(10, 0.01), 1);
    // ⌈items / 1000⌉ per folder, and an empty folder still takes its one request.
    assert.equal(expectedListingRequests([50, 1000, 1001, 0, 2500]), 1 + 1 + 2 + 1 + 3);
  });

  it('changes a file on "Box" without touching the corpus it is hard-linked to', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'updbench-'));
    try {
      await fs.mkdir(path.join(dir, 'corpus/a'), { recursive: true });
      await fs.writeFile(path.join(dir, 'corpus/a/f.txt'), 'original');
      await linkCopy(path.join(dir, 'corpus'), path.join(dir, 'box/folder'));
      await changeFile(path.join(dir, 'box/folder/a/f.txt'), 'k1');
      assert.equal(await fs.readFile(path.join(dir, 'corpus/a/f.txt'), 'utf8'), 'original');
      assert.equal(
        await fs.readFile(path.join(dir, 'box/folder/a/f.txt'), 'utf8'),
        'changed on Box: k1\noriginal',
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the crossover as the last k before the ZIP first wins', () => {
    const at = (k: number, contentMs: number, zipMs: number) => ({ k, contentMs, zipMs });
    assert.equal(contentWinsUpTo([at(4, 90, 100), at(1, 50, 100), at(8, 120, 100), at(16, 90, 100)]), 4);
    assert.equal(contentWinsUpTo([at(1, 150, 100)]), 0);
    assert.equal(contentWinsUpTo([at(1, 50, 100), at(2, NaN, 100)]), 1);
  });

  it('judges each row against its target, and the counts the issue asks for', () => {
    const samples = (seconds: number): RunSample[] => [
      { wallSeconds: seconds, peakRssMb: 100, cpuSeconds: 1 },
    ];
    const row = (over: Partial<UpdateRowResult>): UpdateRowResult => ({
      corpus: 'c',
      label: '5,000 files',
      files: 5000,
      totalBytes: 1,
      ours: { name: 'update', samples: samples(0.5) },
      baseline: { name: 'full pull', samples: samples(10) },
      ratio: 0.05,
      limit: 0.1,
      row: 'nothing',
      changed: 0,
      zipCreates: [0, 0],
      contentDownloads: [0, 0],
      listingRequests: [112, 112],
      folders: 112,
      expectedListingRequests: 112,
      bytesDownloaded: 0,
      updated: 0,
      moved: 0,
      unchanged: 5000,
      ...over,
    });
    const verdicts = (r: UpdateRowResult) => updateVerdicts({ rows: [r] }).map((v) => v.verdict);
    assert.deepEqual(verdicts(row({})), ['met', 'met', 'met']);
    assert.deepEqual(verdicts(row({ ratio: 0.12 })), ['missed', 'met', 'met']);
    assert.deepEqual(verdicts(row({ zipCreates: [0, 1] })), ['met', 'missed', 'met']);
    assert.deepEqual(verdicts(row({ listingRequests: [112, 113] })), ['met', 'met', 'missed']);
    const onePercent = { row: 'one-percent' as const, limit: 0.15, changed: 50, updated: 50 };
    assert.deepEqual(verdicts(row({ ...onePercent, ratio: 0.14 })), ['met']);
    assert.deepEqual(verdicts(row({ ...onePercent, ratio: 0.14, updated: 49 })), ['missed']);
    const rename = { row: 'rename' as const, limit: Infinity, changed: 8, moved: 8, ratio: 0.3 };
    assert.deepEqual(verdicts(row(rename)), ['met']);
    assert.deepEqual(verdicts(row({ ...rename, bytesDownloaded: 1 })), ['missed']);
    assert.deepEqual(verdicts(row({ ...rename, moved: 0 })), ['missed']);
  });

  it('takes --row for the updates suite, alone or beside planned rows', () => {
    const crossover = parseBenchArgs(['--row', 'crossover']);
    assert.deepEqual(crossover.suites, ['updates']);
    assert.deepEqual(crossover.updateRows, ['crossover']);
    assert.equal(crossover.complete, false);
    const both = parseBenchArgs(['--row', 'rename,overlimit']);
    assert.deepEqual(both.suites, ['planned', 'updates']);
    assert.deepEqual(both.plannedRows, ['overlimit']);
    assert.deepEqual(both.updateRows, ['rename']);
    assert.deepEqual(parseBenchArgs(['--only', 'updates']).updateRows.length, 5);
    assert.throws(() => parseBenchArgs(['--row', 'sideways']), /unknown row "sideways"/);
  });
});
