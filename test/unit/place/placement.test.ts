import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractZip, type ExtractResult } from '../../../src/core/extract/extractor';
import type { ConflictDecision, FileConflict } from '../../../src/core/place/conflictPolicy';
import { placeFiles, type PlaceOptions } from '../../../src/core/place/placement';
import {
  createStagingDir,
  removeAbandonedStagingDirs,
  removeStagingDir,
} from '../../../src/core/place/staging';
import { buildZip } from '../../helpers/zipBuilder';
import { makeExtractionDir, makeSandbox, readTree, snapshot, type Sandbox } from '../extract/sandbox';

interface Setup {
  sandbox: Sandbox;
  staging: string;
  extracted: ExtractResult;
}

/** The staging folders in `directory`, sorted. */
function stagingDirsIn(directory: string): string[] {
  return fs
    .readdirSync(directory)
    .filter((name) => name.startsWith('.box-pull-staging-'))
    .map((name) => path.join(directory, name))
    .sort();
}

/** A staging folder in `destination` with its `files` folder, as pull.ts makes them; returns the latter. */
async function filesFolder(destination: string): Promise<string> {
  const files = path.join(await makeExtractionDir(destination), 'files');
  await fs.promises.mkdir(files);
  return files;
}

describe('placeFiles', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  /** A destination holding `existing` user files, and `incoming` extracted into a staging folder inside it. */
  async function setup(
    existing: Record<string, string>,
    incoming: Record<string, string>,
    emptyDirectories: string[] = [],
  ): Promise<Setup> {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    for (const [relative, content] of Object.entries(existing)) {
      const target = path.join(sandbox.dest, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    const entries = [
      ...Object.entries(incoming).map(([name, data]) => ({ name: `Top/${name}`, data })),
      ...emptyDirectories.map((name) => ({ name: `Top/${name}/` })),
    ];
    fs.writeFileSync(sandbox.zipPath, buildZip(entries));
    const staging = await filesFolder(sandbox.dest);
    const extracted = await extractZip(sandbox.zipPath, staging, { stripTopLevelFolder: 'Top' });
    return { sandbox, staging, extracted };
  }

  async function destinationTree(sandbox: Sandbox): Promise<Record<string, string>> {
    const tree = await readTree(sandbox.dest);
    return Object.fromEntries([...tree].map(([name, content]) => [name, content.toString()]).sort());
  }

  function scripted(answers: ConflictDecision[]): { prompter: PlaceOptions['prompter']; asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      prompter: {
        decide: async (conflict: FileConflict) => {
          asked.push(conflict.relativePath);
          const answer = answers.shift();
          if (answer === undefined) throw new Error(`unexpected prompt for ${conflict.relativePath}`);
          return answer;
        },
      },
    };
  }

  it('moves everything into a fresh destination, creates empty folders and removes staging', async () => {
    const { sandbox, staging, extracted } = await setup(
      {},
      { 'a.txt': 'A', 'sub/b.txt': 'B', 'sub/deep/c.txt': 'C' },
      ['empty', 'x/y'],
    );
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'skip' });
    assert.deepEqual(result.written, ['a.txt', 'sub/b.txt', 'sub/deep/c.txt']);
    assert.deepEqual(
      [result.overwritten, result.skippedByPolicy, result.protected, result.blocked],
      [[], [], [], []],
    );
    assert.deepEqual(await destinationTree(sandbox), {
      'a.txt': 'A',
      'sub/b.txt': 'B',
      'sub/deep/c.txt': 'C',
    });
    assert.ok(fs.statSync(path.join(sandbox.dest, 'empty')).isDirectory());
    assert.ok(fs.statSync(path.join(sandbox.dest, 'x/y')).isDirectory());
    assert.deepEqual(fs.readdirSync(sandbox.dest).sort(), ['a.txt', 'empty', 'sub', 'x']);
    assert.equal(fs.existsSync(staging), false);
    assert.equal(fs.statSync(path.join(sandbox.dest, 'a.txt')).nlink, 1);
  });

  it('overwrite: replaces conflicting files, never touches unrelated user files', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old A', 'keep.txt': 'mine', 'sub/mine.txt': 'mine too' },
      { 'a.txt': 'new A', 'sub/b.txt': 'B' },
    );
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'overwrite' });
    assert.deepEqual(result.overwritten, ['a.txt']);
    assert.deepEqual(result.written, ['sub/b.txt']);
    assert.deepEqual(await destinationTree(sandbox), {
      'a.txt': 'new A',
      'keep.txt': 'mine',
      'sub/b.txt': 'B',
      'sub/mine.txt': 'mine too',
    });
  });

  it('skip: keeps conflicting files and reports them', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old A', 'sub/b.txt': 'old B' },
      { 'a.txt': 'new A', 'sub/b.txt': 'new B', 'c.txt': 'C' },
    );
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'skip' });
    assert.deepEqual(result.skippedByPolicy.sort(), ['a.txt', 'sub/b.txt']);
    assert.deepEqual(result.written, ['c.txt']);
    assert.deepEqual(await destinationTree(sandbox), {
      'a.txt': 'old A',
      'c.txt': 'C',
      'sub/b.txt': 'old B',
    });
  });

  it('ask: prompts conflicts one by one in path order; overwriteAll applies to the rest', async () => {
    const existing = { 'a.txt': 'old', 'b.txt': 'old', 'c.txt': 'old', 'd.txt': 'old', 'e.txt': 'old' };
    const { sandbox, staging, extracted } = await setup(existing, {
      'e.txt': 'new',
      'a.txt': 'new',
      'c.txt': 'new',
      'b.txt': 'new',
      'd.txt': 'new',
    });
    const { prompter, asked } = scripted(['overwrite', 'skip', 'overwriteAll']);
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'ask', prompter });
    assert.deepEqual(asked, ['a.txt', 'b.txt', 'c.txt']);
    assert.deepEqual(result.overwritten, ['a.txt', 'c.txt', 'd.txt', 'e.txt']);
    assert.deepEqual(result.skippedByPolicy, ['b.txt']);
    assert.deepEqual(await destinationTree(sandbox), {
      'a.txt': 'new',
      'b.txt': 'old',
      'c.txt': 'new',
      'd.txt': 'new',
      'e.txt': 'new',
    });
  });

  it('ask: skipAll applies to the rest; new files are still written', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old', 'b.txt': 'old', 'c.txt': 'old' },
      { 'a.txt': 'new', 'b.txt': 'new', 'c.txt': 'new', 'fresh.txt': 'fresh' },
    );
    const { prompter, asked } = scripted(['overwrite', 'skipAll']);
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'ask', prompter });
    assert.deepEqual(asked, ['a.txt', 'b.txt']);
    assert.deepEqual(result.skippedByPolicy, ['b.txt', 'c.txt']);
    assert.deepEqual(await destinationTree(sandbox), {
      'a.txt': 'new',
      'b.txt': 'old',
      'c.txt': 'old',
      'fresh.txt': 'fresh',
    });
  });

  it('ask: no prompt at all when nothing conflicts', async () => {
    const { sandbox, staging, extracted } = await setup({ 'other.txt': 'x' }, { 'a.txt': 'A' });
    const { prompter, asked } = scripted([]);
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'ask', prompter });
    assert.deepEqual(asked, []);
    assert.deepEqual(result.written, ['a.txt']);
  });

  it('identical files (same size and SHA-1) are never conflicts, under any policy', async () => {
    const existing = { 'same.txt': 'same', 'twin.txt': 'abcd', 'sub/same.bin': 'x'.repeat(5000) };
    const incoming = { 'same.txt': 'same', 'twin.txt': 'abce', 'sub/same.bin': 'x'.repeat(5000) };
    for (const policy of ['ask', 'overwrite', 'skip'] as const) {
      const { sandbox, staging, extracted } = await setup(existing, incoming);
      const before = fs.statSync(path.join(sandbox.dest, 'same.txt')).ino;
      const { prompter, asked } = scripted(['skip']);
      const result = await placeFiles(staging, extracted, sandbox.dest, { policy, prompter });
      assert.deepEqual(result.upToDate, ['same.txt', 'sub/same.bin'], policy);
      assert.deepEqual(asked, policy === 'ask' ? ['twin.txt'] : [], 'same size, other bytes: still asked');
      const replacedOrKept = [...result.overwritten, ...result.skippedByPolicy];
      assert.deepEqual(replacedOrKept, ['twin.txt'], `${policy}: identical files neither replaced nor kept`);
      assert.equal(fs.statSync(path.join(sandbox.dest, 'same.txt')).ino, before, 'left as it is');
    }
  });

  it("ask with decideAll: one call with every true conflict and both sides' facts; the rest are kept", async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old a', 'b.txt': 'old', 'c.txt': 'same' },
      { 'a.txt': 'new A!', 'b.txt': 'new', 'c.txt': 'same', 'd.txt': 'D' },
    );
    const calls: FileConflict[][] = [];
    const prompter = {
      decide: async (): Promise<ConflictDecision> => assert.fail('asked per file'),
      decideAll: async (conflicts: FileConflict[]) => {
        calls.push(conflicts);
        return new Set(['b.txt']);
      },
    };
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'ask', prompter });
    assert.equal(calls.length, 1);
    assert.deepEqual(
      calls[0].map((c) => [c.relativePath, c.incoming?.size, c.existing?.size]),
      [
        ['a.txt', 6, 5],
        ['b.txt', 3, 3],
      ],
    );
    assert.ok(calls[0].every((c) => c.incomingPath !== undefined && (c.existing?.modifiedMs ?? 0) > 0));
    assert.deepEqual(result.overwritten, ['b.txt']);
    assert.deepEqual(result.skippedByPolicy, ['a.txt']);
    assert.deepEqual(result.upToDate, ['c.txt']);
    assert.deepEqual(await destinationTree(sandbox), {
      'a.txt': 'old a',
      'b.txt': 'new',
      'c.txt': 'same',
      'd.txt': 'D',
    });
  });

  it('ask without a prompter is a programming error', async () => {
    const { sandbox, staging, extracted } = await setup({}, { 'a.txt': 'A' });
    await assert.rejects(placeFiles(staging, extracted, sandbox.dest, { policy: 'ask' }), TypeError);
  });

  for (const policy of ['overwrite', 'skip', 'ask'] as const) {
    it(`protected files are never overwritten (policy ${policy})`, async () => {
      const { sandbox, staging, extracted } = await setup(
        { 'dirty.txt': 'unsaved work', 'clean.txt': 'old' },
        { 'dirty.txt': 'new', 'clean.txt': 'new', 'ghost.txt': 'new' },
      );
      const protectedPaths = new Set([
        path.join(sandbox.dest, 'dirty.txt'),
        path.join(sandbox.dest, 'ghost.txt'),
      ]);
      const { prompter, asked } = scripted(['overwriteAll']);
      const result = await placeFiles(staging, extracted, sandbox.dest, {
        policy,
        prompter,
        isProtected: (absolute) => protectedPaths.has(absolute),
      });
      assert.deepEqual(result.protected, ['dirty.txt', 'ghost.txt']);
      if (policy === 'ask') assert.deepEqual(asked, ['clean.txt']);
      const tree = await destinationTree(sandbox);
      assert.equal(tree['dirty.txt'], 'unsaved work');
      assert.equal(tree['ghost.txt'], undefined);
      assert.equal(tree['clean.txt'], policy === 'skip' ? 'old' : 'new');
    });
  }

  it('re-checks protection right before overwriting (the user started editing while we prompted)', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old a', 'b.txt': 'old b' },
      { 'a.txt': 'new', 'b.txt': 'new' },
    );
    const protectedPaths = new Set<string>();
    const result = await placeFiles(staging, extracted, sandbox.dest, {
      policy: 'ask',
      prompter: {
        decide: async (conflict) => {
          if (conflict.relativePath === 'b.txt') protectedPaths.add(path.join(sandbox.dest, 'a.txt'));
          return 'overwrite';
        },
      },
      isProtected: (absolute) => protectedPaths.has(absolute),
    });
    assert.deepEqual(result.protected, ['a.txt']);
    assert.deepEqual(result.overwritten, ['b.txt']);
    assert.deepEqual(await destinationTree(sandbox), { 'a.txt': 'old a', 'b.txt': 'new' });
  });

  it('a folder where a file must go, and a file where a folder must go: blocked, nothing clobbered', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'report/inside.txt': 'folder content', docs: 'a file' },
      {
        report: 'incoming file',
        'docs/readme.md': 'incoming',
        'docs/more/deep.md': 'incoming',
        'ok.txt': 'fine',
      },
    );
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'overwrite' });
    assert.deepEqual(result.written, ['ok.txt']);
    assert.deepEqual(result.blocked.map((entry) => entry.relativePath).sort(), [
      'docs',
      'docs/more/deep.md',
      'docs/readme.md',
      'report',
    ]);
    for (const entry of result.blocked) assert.ok(entry.reason.length > 0);
    assert.deepEqual(await destinationTree(sandbox), {
      docs: 'a file',
      'ok.txt': 'fine',
      'report/inside.txt': 'folder content',
    });
  });

  it('never follows a symbolic link in the destination where a folder must go', async () => {
    const { sandbox, staging, extracted } = await setup({}, { 'linked/file.txt': 'x', 'plain.txt': 'p' });
    fs.symlinkSync(sandbox.elsewhere, path.join(sandbox.dest, 'linked'));
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'overwrite' });
    assert.deepEqual(result.blocked.map((entry) => entry.relativePath).sort(), ['linked', 'linked/file.txt']);
    assert.match(result.blocked[0].reason, /symbolic link/);
    assert.deepEqual(fs.readdirSync(sandbox.elsewhere), []);
  });

  it('a symbolic link where a file must go is a conflict; overwriting replaces the link, not its target', async () => {
    const { sandbox, staging, extracted } = await setup({}, { 'note.txt': 'incoming' });
    const target = path.join(sandbox.elsewhere, 'target.txt');
    fs.writeFileSync(target, 'target content');
    fs.symlinkSync(target, path.join(sandbox.dest, 'note.txt'));
    const result = await placeFiles(staging, extracted, sandbox.dest, { policy: 'overwrite' });
    assert.deepEqual(result.overwritten, ['note.txt']);
    assert.equal(fs.readFileSync(target, 'utf8'), 'target content');
    assert.ok(fs.lstatSync(path.join(sandbox.dest, 'note.txt')).isFile());
  });

  it('cancel while prompting leaves the destination exactly as it was', async () => {
    const existing = { 'a.txt': 'old a', 'b.txt': 'old b', 'user/notes.md': 'mine' };
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    for (const [relative, content] of Object.entries(existing)) {
      fs.mkdirSync(path.dirname(path.join(sandbox.dest, relative)), { recursive: true });
      fs.writeFileSync(path.join(sandbox.dest, relative), content);
    }
    const before = await snapshot(sandbox.dest);
    fs.writeFileSync(
      sandbox.zipPath,
      buildZip([
        { name: 'a.txt', data: 'new a' },
        { name: 'b.txt', data: 'new b' },
        { name: 'new/fresh.txt', data: 'fresh' },
        { name: 'empty/' },
      ]),
    );
    const staging = await filesFolder(sandbox.dest);
    const extracted = await extractZip(sandbox.zipPath, staging);
    const controller = new AbortController();
    await assert.rejects(
      placeFiles(staging, extracted, sandbox.dest, {
        policy: 'ask',
        signal: controller.signal,
        prompter: {
          decide: async (conflict) => {
            if (conflict.relativePath === 'b.txt') controller.abort();
            return 'overwrite';
          },
        },
      }),
      { name: 'AbortError' },
    );
    await removeStagingDir(path.dirname(staging));
    assert.deepEqual(await snapshot(sandbox.dest), before);
  });

  it('a prompter that throws (the user dismissed the dialog) also leaves the destination untouched', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old' },
      { 'a.txt': 'new', 'fresh.txt': 'fresh' },
    );
    const before = await snapshot(sandbox.dest);
    const dismissed = new Error('dismissed');
    await assert.rejects(
      placeFiles(staging, extracted, sandbox.dest, {
        policy: 'ask',
        prompter: { decide: () => Promise.reject(dismissed) },
      }),
      dismissed,
    );
    const after = await snapshot(sandbox.dest);
    for (const key of after.keys()) assert.ok(before.has(key) || key.startsWith('.box-pull-staging-'), key);
    assert.equal(fs.existsSync(staging), false, 'placeFiles removes its staging folder even on failure');
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'a.txt'), 'utf8'), 'old');
  });

  it('a file that appears during the prompt is never clobbered by a "new" file', async () => {
    const { sandbox, staging, extracted } = await setup(
      { 'a.txt': 'old' },
      { 'a.txt': 'new', 'late.txt': 'incoming' },
    );
    const result = await placeFiles(staging, extracted, sandbox.dest, {
      policy: 'ask',
      prompter: {
        decide: async () => {
          fs.writeFileSync(path.join(sandbox.dest, 'late.txt'), 'the user was faster');
          return 'skip';
        },
      },
    });
    assert.equal(fs.readFileSync(path.join(sandbox.dest, 'late.txt'), 'utf8'), 'the user was faster');
    assert.deepEqual(
      result.blocked.map((entry) => entry.relativePath),
      ['late.txt'],
    );
    assert.deepEqual(result.written, []);
  });

  // Paths are joined only when a move needs them (a file moved with its folder never does), but a path that is not
  // plain names is still refused before a single move, even where its folders are missing in the destination.
  it('a planned path that would leave the destination is refused before any move, in a fresh destination', async () => {
    const { sandbox, staging, extracted } = await setup({}, { 'a.txt': 'A', 'sub/b.txt': 'B' });
    const forged = {
      ...extracted,
      files: [...extracted.files, { ...extracted.files[0], relativePath: 'new/../../x' }],
    };
    await assert.rejects(placeFiles(staging, forged, sandbox.dest, { policy: 'skip' }), (error: object) => {
      assert.equal((error as { code?: string }).code, 'unsafe_path');
      // No placing session was started, so there was nothing to undo.
      assert.equal('filesUndone' in error, false);
      return true;
    });
    assert.deepEqual(await destinationTree(sandbox), {});
  });

  it('aborted before the move phase: nothing moves', async () => {
    const { sandbox, staging, extracted } = await setup({}, { 'a.txt': 'A' });
    await assert.rejects(
      placeFiles(staging, extracted, sandbox.dest, { policy: 'overwrite', signal: AbortSignal.abort() }),
      { name: 'AbortError' },
    );
    assert.equal(fs.existsSync(path.join(sandbox.dest, 'a.txt')), false);
  });

  // Placed as-is, such an entry would look like a crashed run's staging folder to findStagingDirs, and a clean-up
  // of stale staging folders would delete the user's Box content. (Placement still blocks the live staging
  // folder's own name as a second line of defence.)
  it('an archive entry named like a staging folder is renamed at extraction, never placed under the prefix', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    const staging = await makeExtractionDir(sandbox.dest);
    const stagingName = path.basename(staging);
    fs.writeFileSync(
      sandbox.zipPath,
      buildZip([
        { name: `${stagingName}/x.txt`, data: 'x' },
        { name: '.box-pull-staging-abc/notes.txt', data: 'from Box' },
        { name: 'ok.txt', data: 'ok' },
      ]),
    );
    const filesDir = path.join(staging, 'files');
    const extracted = await extractZip(sandbox.zipPath, filesDir);
    assert.deepEqual(
      extracted.renamed.map((entry) => [entry.archiveName, entry.relativePath]),
      [
        [`${stagingName}/x.txt`, `_${stagingName}/x.txt`],
        ['.box-pull-staging-abc/notes.txt', '_.box-pull-staging-abc/notes.txt'],
      ],
    );
    assert.ok(extracted.renamed.every((entry) => entry.reason.includes('staging')));
    const result = await placeFiles(filesDir, extracted, sandbox.dest, { policy: 'overwrite' });
    assert.deepEqual(result.blocked, []);
    assert.deepEqual(
      result.written.sort(),
      ['_.box-pull-staging-abc/notes.txt', `_${stagingName}/x.txt`, 'ok.txt'].sort(),
    );
    // Nothing placed looks like a staging folder, and placing removed its own.
    assert.deepEqual(stagingDirsIn(sandbox.dest), []);
  });

  it('createStagingDir creates the destination with its parents and a fresh, unique folder inside it', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    const destination = path.join(sandbox.root, 'new', 'nested', 'dest');
    const first = await createStagingDir(destination);
    const second = await createStagingDir(destination);
    assert.notEqual(first, second);
    for (const staging of [first, second]) {
      assert.equal(path.dirname(staging), destination);
      assert.match(path.basename(staging), /^\.box-pull-staging-/);
      assert.deepEqual(fs.readdirSync(staging), ['owner.json']);
    }
    assert.deepEqual(stagingDirsIn(destination), [first, second].sort());
    await removeStagingDir(first);
    await removeStagingDir(first); // a second removal is fine
    assert.deepEqual(stagingDirsIn(destination), [second]);
  });

  it('removeAbandonedStagingDirs removes only staging folders whose owner process on this host is gone', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    const exited = spawnSync(process.execPath, ['-e', '']).pid;
    const owners = {
      killed: { pid: exited, host: os.hostname(), nonce: 'a' },
      live: { pid: process.ppid, host: os.hostname(), nonce: 'b' },
      elsewhere: { pid: exited, host: `not-${os.hostname()}`, nonce: 'c' },
    };
    const made: Record<string, string> = {};
    for (const [name, owner] of Object.entries(owners)) {
      made[name] = path.join(sandbox.dest, `.box-pull-staging-${name}`);
      fs.mkdirSync(path.join(made[name], 'files'), { recursive: true });
      fs.writeFileSync(path.join(made[name], 'files', 'half.txt'), 'half');
      fs.writeFileSync(path.join(made[name], 'owner.json'), JSON.stringify(owner));
    }
    // Judged by the marker, never by the name: no marker, a damaged one, or a user folder with a marker stay.
    const unmarked = path.join(sandbox.dest, '.box-pull-staging-unmarked');
    fs.mkdirSync(unmarked);
    const damaged = path.join(sandbox.dest, '.box-pull-staging-damaged');
    fs.mkdirSync(damaged);
    fs.writeFileSync(path.join(damaged, 'owner.json'), '{"pid":');
    const userFolder = path.join(sandbox.dest, 'mine');
    fs.mkdirSync(userFolder);
    fs.writeFileSync(path.join(userFolder, 'owner.json'), JSON.stringify(owners.killed));
    const ours = await createStagingDir(sandbox.dest);

    assert.deepEqual(await removeAbandonedStagingDirs(sandbox.dest), [made.killed]);
    assert.deepEqual(
      stagingDirsIn(sandbox.dest),
      [made.live, made.elsewhere, unmarked, damaged, ours].sort(),
    );
    assert.ok(fs.existsSync(path.join(userFolder, 'owner.json')));
    assert.deepEqual(await removeAbandonedStagingDirs(path.join(sandbox.root, 'missing')), []);
  });

  it('removeStagingDir refuses anything that is not a staging folder', async () => {
    const sandbox = await makeSandbox();
    cleanups.push(sandbox.cleanup);
    await assert.rejects(removeStagingDir(sandbox.dest), /Refusing/);
    assert.ok(fs.existsSync(sandbox.dest));
  });
});
