// The planned path through the CLI against the emulator: a folder over Box's limits is listed, split into parts
// under the limits Box shows, downloaded on several streams, SHA-1 checked and placed once.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../../src/emulator/index';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { spawn } from 'node:child_process';
import { CLI, jsonPullArgs, requireBuiltCli, runCli, snapshot, watch, type Run } from '../cli/support';

interface PlanEvent {
  event: string;
  filesWritten?: number;
  foldersListed?: number;
  plan?: {
    parts: { items: number; files: number; bytes: number; byContent?: boolean }[];
    requests: number;
    foldersListed: number;
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
    // One file over the byte limit the tests set (100 KB) beside small ones: it can only go by file content.
    await makeTree(path.join(root, 'Big'), { seed: 4, files: 6, maxDepth: 1, minSize: 10, maxSize: 2000 });
    await fs.writeFile(path.join(root, 'Big', 'huge.bin'), Buffer.alloc(300_000, 7).fill(9, 100_000));
    // Names only a hostile server sends: a backslash path and a staging-folder lookalike.
    await makeTree(path.join(root, 'Hostile'), { seed: 6, files: 4, maxDepth: 0, minSize: 1, maxSize: 100 });
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

  const pullArgs = (folder: string, dest: string, ...extra: string[]) =>
    jsonPullArgs(emulator, folder, dest, ...extra);

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
    // The listing phase shows in the JSON progress, up to every folder listed.
    const listed = events(run).map((e) => e.foldersListed ?? 0);
    assert.equal(Math.max(...listed), done.plan!.foldersListed);
  });
  it('splits a folder over the byte limit into parts under it, learned from Box refusals', async function () {
    emulator.faults.maxZipBytes = 8_000;
    const dest = path.join(sandbox, 'over-bytes');
    const run = await runCli(pullArgs('Many', dest, '--streams', '2'));
    assert.equal(run.code, 0, run.stderr);
    const done = events(run).at(-1)!;
    assert.equal(done.filesWritten, 50);
    for (const part of done.plan!.parts) assert.ok(part.bytes <= 8_000, JSON.stringify(part));
    assert.ok(done.plan!.streamsUsed <= 2);
    assert.deepEqual(await diffTrees(path.join(root, 'Many'), dest), []);
  });

  it('downloads a file over the byte limit by its content, resuming with Range after a cut', async function () {
    emulator.faults.maxZipBytes = 100_000;
    emulator.faults.cutFileContent = { afterBytes: 120_000, remaining: 1 };
    // Box may first answer 202 + Retry-After for a file it is still processing.
    emulator.faults.fileContentNotReady = { remaining: 1, retryAfterSeconds: 0 };
    const dest = path.join(sandbox, 'huge');
    const run = await runCli(pullArgs('Big', dest));
    assert.equal(run.code, 0, run.stderr);
    const done = events(run).at(-1)!;
    assert.deepEqual(
      done.plan!.parts.filter((part) => part.byContent).map((part) => part.bytes),
      [300_000],
    );
    assert.equal(emulator.stats.fileContentRanges, 1, 'the second request resumed with Range');
    assert.equal(emulator.faults.fileContentNotReady.remaining, 0);
    assert.deepEqual(await diffTrees(path.join(root, 'Big'), dest), []);
  });

  it('--include and --exclude decide before anything is asked for, and the report counts what was left out', async function () {
    const dest = path.join(sandbox, 'filtered');
    const all = (await fs.readdir(path.join(root, 'Many'), { recursive: true, withFileTypes: true })).filter(
      (entry) => entry.isFile(),
    );
    const relative = (entry: (typeof all)[number]) =>
      path
        .relative(path.join(root, 'Many'), path.join(entry.parentPath, entry.name))
        .split(path.sep)
        .join('/');
    const firstFolder = relative(all.find((entry) => relative(entry).includes('/'))!).split('/')[0];
    const run = await runCli(
      pullArgs('Many', dest, '--exclude', firstFolder, '--exclude', '**/*.md', '--include', '**/*'),
    );
    assert.equal(run.code, 0, run.stderr);
    const done = events(run).at(-1)!;
    const expected = all
      .map(relative)
      .filter((file) => !file.startsWith(`${firstFolder}/`) && !file.endsWith('.md'));
    assert.equal(done.filesWritten, expected.length);
    const excluded = done.plan!.excluded;
    assert.equal(excluded.folders, 1);
    assert.equal(
      excluded.files,
      all.map(relative).filter((f) => !f.startsWith(`${firstFolder}/`) && f.endsWith('.md')).length,
    );
    assert.ok(excluded.bytes > 0);
    // The excluded folder was never listed: one listing request fewer than folders in the tree.
    const listed = Object.entries(emulator.stats.byPath).filter(([key]) => key.endsWith('/items'));
    assert.ok(!listed.some(([key]) => key.includes(emulator.idForPath(`Many/${firstFolder}`))));
    for (const file of expected) await fs.access(path.join(dest, file));
    await assert.rejects(fs.access(path.join(dest, firstFolder)));
  });

  it('a file whose bytes differ from the listing SHA-1 is fetched again once, and placed when it then matches', async function () {
    emulator.faults.maxZipFiles = 10;
    const victim = (await fs.readdir(path.join(root, 'Many'))).find((name) => name.includes('.'))!;
    emulator.faults.wrongSha1 = { paths: [`Many/${victim}`], remaining: 1 };
    const dest = path.join(sandbox, 'sha1-once');
    const run = await runCli(pullArgs('Many', dest));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(events(run).at(-1)!.checksumMismatches, []);
    assert.equal(emulator.stats.fileContentDownloads, 1, 'the file was fetched again by its content');
    assert.deepEqual(await diffTrees(path.join(root, 'Many'), dest), []);
  });

  it('a file that never matches its SHA-1 is not placed, and is reported (exit 1)', async function () {
    emulator.faults.maxZipFiles = 10;
    const victim = (await fs.readdir(path.join(root, 'Many'))).find((name) => name.includes('.'))!;
    emulator.faults.wrongSha1 = { paths: [`Many/${victim}`] };
    const dest = path.join(sandbox, 'sha1-never');
    const run = await runCli(pullArgs('Many', dest));
    assert.equal(run.code, 1, run.stderr);
    const done = events(run).at(-1)!;
    assert.deepEqual(done.checksumMismatches, [victim]);
    assert.equal(done.filesWritten, 49);
    await assert.rejects(fs.access(path.join(dest, victim)));
  });

  it('a 429 user_too_many_concurrent_downloads lowers the streams and goes on', async function () {
    emulator.faults.maxZipFiles = 10;
    emulator.faults.concurrentDownloadRefusals = 1;
    const dest = path.join(sandbox, 'too-many');
    const run = await runCli(pullArgs('Many', dest, '--streams', '3'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(events(run).at(-1)!.plan!.streamsLimit, 2);
    assert.deepEqual(await diffTrees(path.join(root, 'Many'), dest), []);
  });

  it('a part that fails once is retried alone with a fresh ZIP; the parts already in are kept', async function () {
    emulator.faults.maxZipFiles = 10;
    emulator.faults.cutAfterBytes = 500;
    emulator.faults.cutDownloads = 1;
    const dest = path.join(sandbox, 'part-retry');
    const run = await runCli(pullArgs('Many', dest));
    assert.equal(run.code, 0, run.stderr);
    const parts = events(run).at(-1)!.plan!.parts.length;
    assert.equal(emulator.stats.downloadsCut, 1);
    // One ZIP a part and one fresh ZIP for the part that was cut (zipCreates counts only the ZIPs Box made).
    assert.equal(emulator.stats.zipCreates, parts + 1);
    assert.deepEqual(await diffTrees(path.join(root, 'Many'), dest), []);
  });

  it('a part whose archive silently lacks a listed file is fetched again alone', async function () {
    emulator.faults.maxZipFiles = 10;
    const victim = (await fs.readdir(path.join(root, 'Many'))).find((name) => name.includes('.'))!;
    emulator.faults.silentlyMissing = { paths: [`Many/${victim}`], remaining: 1 };
    const dest = path.join(sandbox, 'silently-missing');
    const run = await runCli(pullArgs('Many', dest));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(emulator.faults.silentlyMissing.remaining, 0, 'one archive lacked the file');
    // One ZIP a part and a fresh one for the short part (zipCreates counts only the ZIPs Box made).
    assert.equal(emulator.stats.zipCreates, events(run).at(-1)!.plan!.parts.length + 1);
    assert.deepEqual(await diffTrees(path.join(root, 'Many'), dest), []);
  });

  it('names from a hostile listing go through the safe-name rules: unsafe ones stop the pull before any download', async function () {
    const hostile = path.join(root, 'Hostile');
    await fs.writeFile(path.join(hostile, '..\\..\\evil.txt'), 'x');
    try {
      const dest = path.join(sandbox, 'hostile');
      const run = await runCli(pullArgs('Hostile', dest, '--exclude', '*.tmp'));
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /unsafe name/);
      assert.equal(emulator.stats.zipCreates, 0);
      await assert.rejects(fs.access(dest));
    } finally {
      await fs.rm(path.join(hostile, '..\\..\\evil.txt'));
    }
  });

  it('a hostile download_name from name_conflicts meets the archive safe-name rules: nothing is written', async function () {
    const dup = path.join(root, 'Dup');
    await fs.mkdir(path.join(dup, 'sub'), { recursive: true });
    await fs.writeFile(path.join(dup, 'same.txt'), 'top');
    await fs.writeFile(path.join(dup, 'sub', 'same.txt'), 'below');
    for (let i = 0; i < 6; i++) await fs.writeFile(path.join(dup, 'sub', `z${i}.txt`), `z${i}`);
    emulator.faults.maxZipFiles = 5;
    // A control character: the safe-name rules refuse it in any archive name (Box forbids it in its names).
    emulator.faults.conflictDownloadName = 'bad\u0007.txt';
    try {
      const dest = path.join(sandbox, 'hostile-download-name');
      // One stream: parts are then packed by Box's limits only, which puts both same.txt in the first.
      const run = await runCli(pullArgs('Dup', dest, '--streams', '1'));
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /[Uu]nsafe entry name/);
      await assert.rejects(fs.access(dest));
    } finally {
      await fs.rm(dup, { recursive: true });
    }
  });

  it('a staging-folder lookalike from the listing is renamed exactly as an archive name would be', async function () {
    const hostile = path.join(root, 'Hostile');
    await fs.writeFile(path.join(hostile, '.box-pull-staging-lookalike'), 'mine');
    try {
      const dest = path.join(sandbox, 'lookalike');
      const run = await runCli(pullArgs('Hostile', dest, '--exclude', '*.tmp'));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await fs.readFile(path.join(dest, '_.box-pull-staging-lookalike'), 'utf8'), 'mine');
    } finally {
      await fs.rm(path.join(hostile, '.box-pull-staging-lookalike'));
    }
  });

  it('a server that refuses every ZIP whatever its limits cannot make the pull loop', async function () {
    emulator.faults.refuseEveryZip = 'files';
    const dest = path.join(sandbox, 'liar');
    const run = await runCli(pullArgs('Many', dest));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /single file/);
    // Halving 50 files down to one: a handful of rounds, not one per file.
    assert.ok(emulator.stats.zipCreates < 50, String(emulator.stats.zipCreates));
    await assert.rejects(fs.access(dest));
  });

  it('cancel during a multi-part pull leaves the destination as it was', async function () {
    emulator.faults.maxZipFiles = 10;
    emulator.faults.bytesPerSecond = 4_000;
    const dest = path.join(sandbox, 'cancel');
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, 'mine.txt'), 'mine');
    const before = await snapshot(dest);
    const run = watch(
      spawn(process.execPath, [CLI, ...pullArgs('Many', dest)], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    try {
      await run.waitFor(/"phase":"downloading","bytesDownloaded":[1-9]/);
      run.child.kill('SIGINT');
      assert.equal(await run.exitCode, 130);
      assert.deepEqual(await snapshot(dest), before);
    } finally {
      run.kill();
    }
  });
});
