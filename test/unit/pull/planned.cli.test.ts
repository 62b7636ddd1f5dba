// The planned path through the CLI against the emulator: a folder over Box's limits is listed, split into parts
// under the limits Box shows, downloaded on several streams, SHA-1 checked and placed once.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { requireBuiltCli, runCli, type Run } from '../cli/support';

interface PlanEvent {
  event: string;
  filesWritten?: number;
  plan?: {
    parts: { items: number; files: number; bytes: number; byContent?: boolean }[];
    requests: number;
    streamsUsed: number;
    streamsLimit: number;
    excluded: { files: number; bytes: number; folders: number };
  };
  checksumMismatches?: string[];
  kind?: string;
  message?: string;
}

function events(run: Run): PlanEvent[] {
  return run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PlanEvent);
}

describe('box-pull CLI: pulling any folder (planned path)', function () {
  this.timeout(120_000);
  let sandbox: string;
  let root: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  before(async function () {
    await requireBuiltCli();
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-planned-'));
    root = path.join(sandbox, 'account');
    await makeTree(path.join(root, 'Many'), {
      seed: 12,
      files: 50,
      maxDepth: 2,
      minSize: 0,
      maxSize: 4000,
      emptyFolders: 1,
    });
  });

  beforeEach(async function () {
    emulator = await startEmulator({ root });
  });

  afterEach(async function () {
    await emulator?.close();
  });

  after(async function () {
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  const pullArgs = (folder: string, dest: string, ...extra: string[]) => [
    'pull',
    emulator.idForPath(folder),
    '--dest',
    dest,
    '--api-url',
    emulator.baseUrl,
    '--token',
    emulator.token,
    '--json',
    ...extra,
  ];

  it('splits a folder over the file limit into parts under it, and reproduces the folder exactly', async function () {
    emulator.faults.maxZipFiles = 10;
    const dest = path.join(sandbox, 'over-files');
    const run = await runCli(pullArgs('Many', dest));
    assert.equal(run.code, 0, run.stderr);
    const done = events(run).at(-1)!;
    assert.equal(done.event, 'done');
    assert.equal(done.filesWritten, 50);
    assert.ok(done.plan!.parts.length >= 5, JSON.stringify(done.plan));
    for (const part of done.plan!.parts) assert.ok(part.files <= 10, JSON.stringify(part));
    assert.deepEqual(await diffTrees(path.join(root, 'Many'), dest), []);
  });
});
