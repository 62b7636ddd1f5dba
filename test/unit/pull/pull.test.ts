import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoxClient } from '../../../src/core/box/client';
import type { ConflictDecision } from '../../../src/core/place/conflictPolicy';
import { pull, type PullRequest } from '../../../src/core/pull/pull';
import { type PullProgress } from '../../../src/core/pull/progress';
import { startEmulator } from '../../../src/emulator/index';
import { diffTrees, readTree } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { PullError } from '../../../src/core/errors';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

describe('pull pipeline (end to end against the emulator)', function () {
  let sandbox: string;
  let root: string;
  let emulator: Emulator;
  let client: BoxClient;
  let projectId: string;

  before(async function () {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-e2e-'));
    root = path.join(sandbox, 'account');
    await makeTree(path.join(root, 'Project'), {
      seed: 7,
      files: 300,
      maxDepth: 4,
      minSize: 0,
      maxSize: 40_000,
      emptyFolders: 3,
    });
    await makeTree(path.join(root, 'Other'), { seed: 8, files: 20, maxDepth: 1, minSize: 1, maxSize: 2_000 });
    await fs.writeFile(path.join(root, 'top-level.txt'), 'at the root\n');
    emulator = await startEmulator({ root });
    client = new BoxClient({
      baseUrl: emulator.baseUrl,
      tokenProvider: { getAccessToken: async () => emulator.token },
    });
    projectId = emulator.idForPath('Project');
  });

  after(async function () {
    await emulator?.close();
    await fs.rm(sandbox, { recursive: true, force: true });
  });

  afterEach(function () {
    // Knobs are shared by the whole suite: reset the ones a test may have set.
    Object.assign(emulator.faults, {
      bytesPerSecond: undefined,
      cutAfterBytes: undefined,
      cutDownloads: undefined,
      inaccessible: [],
      statusInProgressPolls: 0,
    });
  });

  it('reports names kept as Box has them that Windows could not store', async function () {
    if (process.platform === 'win32') this.skip(); // there they are renamed, and reported as renamed
    const folder = path.join(root, 'Portable');
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, 'aux.txt'), 'reserved on Windows\n');
    await fs.writeFile(path.join(folder, 'plain.txt'), 'fine everywhere\n');
    const destination = await freshDestination();
    try {
      const report = await pull(
        request(destination, { items: [{ type: 'folder', id: emulator.idForPath('Portable') }] }),
      );
      assert.deepEqual(
        report.nonPortable.map((name) => name.relativePath),
        ['aux.txt'],
      );
      assert.match(report.nonPortable[0].reason, /reserved/i);
      assert.equal(await fs.readFile(path.join(destination, 'aux.txt'), 'utf8'), 'reserved on Windows\n');
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });

  let destCounter = 0;
  async function freshDestination(): Promise<string> {
    return path.join(sandbox, `dest-${++destCounter}`);
  }

  function request(destination: string, extra: Partial<PullRequest> = {}): PullRequest {
    return {
      client,
      items: [{ type: 'folder', id: projectId }],
      destination,
      conflictPolicy: 'skip',
      statusPoll: { firstDelayMs: 10, maxDelayMs: 20 },
      ...extra,
    };
  }

  async function leftovers(destination: string): Promise<string[]> {
    const names = await fs.readdir(destination).catch(() => [] as string[]);
    // Temporary names only: the state file (.box-pull.json) is meant to stay.
    return names.filter((name) => name.startsWith('.box-pull') && name !== '.box-pull.json');
  }

  it('reproduces a folder byte for byte, empty folders included', async function () {
    const destination = await freshDestination();
    const events: PullProgress[] = [];
    const report = await pull(request(destination, { onProgress: (p) => events.push(p) }));
    assert.deepEqual(await diffTrees(path.join(root, 'Project'), destination), []);
    assert.equal(report.filesWritten, 300);
    assert.equal(report.attempts, 1);
    assert.equal(report.boxState, 'succeeded');
    assert.equal(report.filesSkippedByBox, 0);
    assert.ok(report.bytesDownloaded > 0);
    assert.deepEqual(await leftovers(destination), []);
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.deepEqual(phases, ['preparing', 'downloading', 'extracting', 'placing', 'done']);
    assert.equal(events.at(-1)?.fraction, 1);
    assert.ok(events.every((e, i) => i === 0 || (e.fraction ?? 0) >= (events[i - 1].fraction ?? 0)));
  });

  it('pulls the whole account when asked for the root folder, which Box cannot zip itself', async function () {
    const destination = await freshDestination();
    const report = await pull(request(destination, { items: [{ type: 'folder', id: '0' }] }));
    assert.deepEqual(await diffTrees(root, destination), []);
    assert.equal(report.filesWritten, 321);
  });

  it('keeps existing files under "skip", replaces them under "overwrite", never touches others, and leaves identical ones', async function () {
    const destination = await freshDestination();
    await pull(request(destination));
    const victim = (await readTree(destination)).files.keys().next().value as string;
    await fs.writeFile(path.join(destination, victim), 'user edit');
    await fs.writeFile(path.join(destination, 'mine.txt'), 'not from Box');

    const skipped = await pull(request(destination, { conflictPolicy: 'skip' }));
    assert.equal(await fs.readFile(path.join(destination, victim), 'utf8'), 'user edit');
    // Only the edited file differs: the 299 identical ones are no conflicts (same size and SHA-1).
    assert.deepEqual(skipped.skippedByPolicy, [victim]);
    assert.equal(skipped.alreadyUpToDate.length, 299);
    assert.equal(skipped.filesWritten, 0);

    const overwritten = await pull(request(destination, { conflictPolicy: 'overwrite' }));
    assert.equal(overwritten.filesOverwritten, 1);
    assert.equal(overwritten.alreadyUpToDate.length, 299);
    assert.deepEqual(
      await fs.readFile(path.join(destination, victim)),
      await fs.readFile(path.join(root, 'Project', victim)),
    );
    assert.equal(await fs.readFile(path.join(destination, 'mine.txt'), 'utf8'), 'not from Box');
  });

  it('asks through the prompter and honours "overwrite all" for the rest', async function () {
    const destination = await freshDestination();
    await pull(request(destination));
    // Local bytes that differ from Box's in every file, so a skip and an overwrite leave different files behind.
    const box = await readTree(path.join(root, 'Project'));
    const local = (name: string) => Buffer.from(`local edit of ${name}`);
    for (const name of box.files.keys()) await fs.writeFile(path.join(destination, name), local(name));
    const answers: ConflictDecision[] = ['skip', 'overwrite', 'overwriteAll'];
    const asked: string[] = [];
    const report = await pull(
      request(destination, {
        conflictPolicy: 'ask',
        prompter: {
          decide: async (conflict) => {
            asked.push(conflict.relativePath);
            return answers.shift() ?? 'skip';
          },
        },
      }),
    );
    assert.equal(asked.length, 3, 'after "overwrite all" nobody is asked again');
    assert.equal(report.skippedByPolicy.length, 1);
    assert.equal(report.filesOverwritten, 299);
    const after = await readTree(destination);
    const [skipped] = asked;
    assert.ok(after.files.get(skipped)?.equals(local(skipped)), `"skip" kept the local ${skipped}`);
    for (const [name, bytes] of box.files) {
      if (name !== skipped) assert.ok(after.files.get(name)?.equals(bytes), `${name} holds Box's bytes`);
    }
    assert.equal(after.files.size, box.files.size);
  });

  it('never overwrites a protected file (an editor with unsaved changes)', async function () {
    const destination = await freshDestination();
    await pull(request(destination));
    const protectedFile = path.join(
      destination,
      (await readTree(destination)).files.keys().next().value as string,
    );
    await fs.writeFile(protectedFile, 'unsaved');
    const report = await pull(
      request(destination, { conflictPolicy: 'overwrite', isProtected: (p) => p === protectedFile }),
    );
    assert.equal(report.protectedFiles.length, 1);
    assert.equal(await fs.readFile(protectedFile, 'utf8'), 'unsaved');
  });

  it('cancels in the middle of the stream and leaves nothing behind', async function () {
    const destination = await freshDestination();
    await fs.mkdir(destination, { recursive: true });
    await fs.writeFile(path.join(destination, 'existing.txt'), 'keep me');
    emulator.faults.bytesPerSecond = 200_000;
    const controller = new AbortController();
    const pulling = pull(
      request(destination, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'downloading' && p.bytesDownloaded > 50_000) controller.abort();
        },
      }),
    );
    await assert.rejects(pulling, (error: Error) => error.name === 'AbortError');
    assert.deepEqual(await fs.readdir(destination), ['existing.txt']);
    assert.equal(await fs.readFile(path.join(destination, 'existing.txt'), 'utf8'), 'keep me');
  });

  it('starts over with a fresh ZIP when the stream is cut', async function () {
    const destination = await freshDestination();
    const createsBefore = emulator.stats.zipCreates;
    emulator.faults.cutAfterBytes = 100_000;
    emulator.faults.cutDownloads = 1;
    const report = await pull(request(destination));
    assert.equal(report.attempts, 2);
    assert.equal(emulator.stats.zipCreates - createsBefore, 2);
    assert.deepEqual(await diffTrees(path.join(root, 'Project'), destination), []);
    assert.deepEqual(await leftovers(destination), []);
  });

  it('gives up with a clear error after the bounded number of fresh ZIPs, removing what it created', async function () {
    const destination = await freshDestination();
    emulator.faults.cutAfterBytes = 10_000;
    await assert.rejects(
      pull(request(destination, { maxAttempts: 2 })),
      (error: unknown) => error instanceof PullError && error.code === 'download_failed',
    );
    await assert.rejects(fs.access(destination), 'the destination it created is removed again');
  });

  it('reports files Box skipped because the user cannot access them', async function () {
    const destination = await freshDestination();
    const tree = await readTree(path.join(root, 'Project'));
    const hidden = [...tree.files.keys()][5];
    emulator.faults.inaccessible = [`Project/${hidden}`];
    const report = await pull(request(destination));
    assert.equal(report.filesSkippedByBox, 1);
    assert.equal(report.filesWritten, 299);
    await assert.rejects(fs.access(path.join(destination, hidden)));
  });

  it('finishes on the archive checks when the status never leaves in_progress', async function () {
    const destination = await freshDestination();
    emulator.faults.statusInProgressPolls = 1000;
    const report = await pull(
      request(destination, { statusPoll: { maxPolls: 2, firstDelayMs: 5, maxDelayMs: 5 } }),
    );
    assert.equal(report.boxState, 'in_progress');
    assert.deepEqual(await diffTrees(path.join(root, 'Project'), destination), []);
  });

  it('names a folder that does not exist', async function () {
    const destination = await freshDestination();
    await assert.rejects(
      pull(request(destination, { items: [{ type: 'folder', id: '999999999' }] })),
      (error: unknown) => error instanceof PullError && error.code === 'not_found',
    );
  });
});
