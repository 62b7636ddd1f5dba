// The properties every archive must keep, however hostile, checked on a real sandbox for one case at a time:
//   1. nothing is written outside the staging folder by extractZip, nor outside the destination by placeFiles;
//      user files in the destination are never replaced (policy skip);
//   2. extraction settles within a time limit (no hang), also after an abort;
//   3. it only ever rejects with an ArchiveError (or an AbortError when aborted), never anything else;
//   4. what it reports is what it wrote: every staged file is listed with its size, no symlink is created;
//   5. no file descriptor is leaked;
//   6. an archive whose intact central directory lists a symlink is refused, whatever else it holds.
import { createHash } from 'node:crypto';
import { promises as fs, readdirSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractZip, type ExtractResult } from '../../src/core/extract/extractor';
import { placeFiles } from '../../src/core/place/placement';
import { createStagingDir, removeStagingDir } from '../../src/core/place/staging';
import { hasIntactSymlink, type FuzzCase } from './archiveCases';
import { ArchiveError } from '../../src/core/errors';

export class PropertyViolation extends Error {
  constructor(
    readonly property:
      'outside_write' | 'hang' | 'crash' | 'inconsistent' | 'fd_leak' | 'user_file' | 'symlink_accepted',
    message: string,
  ) {
    super(`${property}: ${message}`);
    this.name = 'PropertyViolation';
  }
}

export interface CaseResult {
  outcome: 'extracted' | 'rejected';
  /** The ArchiveError code of a rejection. */
  code?: string;
  filesPlaced: number;
}

type Snapshot = Map<string, string>;

/** Every path under `dir` (links not followed) with its type, and size + hash for files. */
async function snapshot(dir: string, skip?: string): Promise<Snapshot> {
  const result: Snapshot = new Map();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const absolute = path.join(dir, child);
      if (absolute === skip) continue;
      if (entry.isSymbolicLink()) result.set(child, `link:${await fs.readlink(absolute)}`);
      else if (entry.isDirectory()) {
        result.set(child, 'dir');
        await walk(child);
      } else if (entry.isFile()) {
        const content = await fs.readFile(absolute);
        result.set(child, `file:${content.length}:${createHash('sha1').update(content).digest('hex')}`);
      } else result.set(child, 'other');
    }
  };
  await walk('');
  return result;
}

function difference(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  for (const [name, state] of after) if (before.get(name) !== state) changes.push(`${name} (${state})`);
  for (const name of before.keys()) if (!after.has(name)) changes.push(`${name} (gone)`);
  return changes;
}

/** Open file descriptors of this process. */
export function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Open file descriptors and what they point at. */
function openDescriptorTargets(): Map<string, string> {
  const targets = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      targets.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The descriptor readdir itself used, already closed.
    }
  }
  return targets;
}

const USER_FILES: Record<string, string> = {
  'mine.txt': 'the user wrote this',
  'a.txt': 'a user file named like an archive entry',
  'dir/b.txt': 'another user file',
};

/**
 * A throw-away tree: the destination sits eight levels below the watched root so that any `../` escape from the
 * staging folder, however deep, lands somewhere the snapshot sees.
 */
export class FuzzSandbox {
  private constructor(
    readonly root: string,
    readonly destination: string,
    readonly zipPath: string,
  ) {}

  static async create(): Promise<FuzzSandbox> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-fuzz-'));
    const destination = path.join(root, 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'outer', 'dest');
    await fs.mkdir(destination, { recursive: true });
    await fs.mkdir(path.join(root, 'elsewhere'));
    await fs.writeFile(
      path.join(root, 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'outer', 'sibling.txt'),
      'sibling',
    );
    const sandbox = new FuzzSandbox(root, destination, path.join(root, 'archive.zip'));
    await sandbox.resetDestination();
    return sandbox;
  }

  async close(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }

  /** Runs one case; resolves with what happened, rejects with a PropertyViolation when a property breaks. */
  async run(testCase: FuzzCase, archive: Buffer, timeoutMs: number): Promise<CaseResult> {
    await fs.writeFile(this.zipPath, archive);
    const baseline = await snapshot(this.root);
    const descriptorsBefore = openDescriptorTargets();
    const staging = await createStagingDir(this.destination);
    const filesDir = path.join(staging, 'files');
    await fs.mkdir(filesDir);
    try {
      const extraction = await this.extract(testCase, filesDir, timeoutMs);
      const outside = difference(baseline, await snapshot(this.root, staging));
      if (outside.length > 0) {
        throw new PropertyViolation('outside_write', `extraction changed ${outside.slice(0, 5).join(', ')}`);
      }
      let result: CaseResult;
      if (extraction.error !== undefined) {
        result = { outcome: 'rejected', code: extraction.error.code, filesPlaced: 0 };
        await this.checkNoLinks(filesDir);
      } else {
        if (hasIntactSymlink(testCase)) {
          throw new PropertyViolation(
            'symlink_accepted',
            `extracted an archive with a symlink entry (${extraction.result.files.length} files)`,
          );
        }
        const staged = await this.checkStaged(filesDir, extraction.result);
        const filesPlaced = await this.place(filesDir, extraction.result, staged, path.basename(staging));
        result = { outcome: 'extracted', filesPlaced };
      }
      await removeStagingDir(staging);
      await this.checkDestination(baseline, staging);
      await this.checkDescriptors(descriptorsBefore);
      return result;
    } finally {
      await removeStagingDir(staging).catch(() => undefined);
      await this.resetDestination();
    }
  }

  private async extract(
    testCase: FuzzCase,
    filesDir: string,
    timeoutMs: number,
  ): Promise<{ result: ExtractResult; error?: undefined } | { error: ArchiveError }> {
    const controller = new AbortController();
    const extraction = extractZip(this.zipPath, filesDir, {
      signal: controller.signal,
      stripTopLevelFolder: testCase.stripTopLevelFolder,
      platform: testCase.platform,
      concurrency: testCase.concurrency,
      limits: testCase.limits,
    }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const timeUp = (ms: number) =>
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
    let settled = await Promise.race([extraction, timeUp(timeoutMs)]);
    if (settled === 'timeout') {
      controller.abort();
      settled = await Promise.race([extraction, timeUp(timeoutMs)]);
      throw new PropertyViolation(
        'hang',
        `no result after ${timeoutMs} ms${settled === 'timeout' ? ', nor after an abort' : ''}`,
      );
    }
    if ('result' in settled) return settled;
    const error = settled.error;
    if (!(error instanceof ArchiveError)) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new PropertyViolation('crash', `rejected with something other than an ArchiveError: ${detail}`);
    }
    return { error };
  }

  /** The staged tree is exactly what the result lists: no extra, missing or differently sized file. */
  private async checkStaged(filesDir: string, result: ExtractResult): Promise<Map<string, string>> {
    const staged = await snapshot(filesDir);
    const files = new Map<string, string>();
    for (const [name, state] of staged) {
      if (state.startsWith('link:') || state === 'other')
        throw new PropertyViolation('inconsistent', `staged ${state}: ${name}`);
      if (state.startsWith('file:')) files.set(name, state);
    }
    const listed = new Set(result.files.map((file) => file.relativePath));
    for (const file of result.files) {
      const state = files.get(file.relativePath);
      if (state === undefined || !state.startsWith(`file:${file.size}:`)) {
        throw new PropertyViolation(
          'inconsistent',
          `listed ${file.relativePath} (${file.size}) staged as ${state}`,
        );
      }
    }
    for (const name of files.keys()) {
      if (!listed.has(name)) throw new PropertyViolation('inconsistent', `staged but not listed: ${name}`);
    }
    for (const directory of result.directories) {
      if (staged.get(directory) !== 'dir')
        throw new PropertyViolation('inconsistent', `listed folder missing: ${directory}`);
    }
    return files;
  }

  private async checkNoLinks(dir: string): Promise<void> {
    for (const [name, state] of await snapshot(dir)) {
      if (state.startsWith('link:'))
        throw new PropertyViolation('inconsistent', `a symlink was created: ${name}`);
    }
  }

  /** Places with policy skip; afterwards every new file in the destination is one staged file, unchanged. */
  private async place(
    filesDir: string,
    result: ExtractResult,
    staged: Map<string, string>,
    stagingName: string,
  ): Promise<number> {
    let placed;
    try {
      placed = await placeFiles(filesDir, result, this.destination, { policy: 'skip' });
    } catch (error) {
      if (error instanceof ArchiveError) return 0;
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new PropertyViolation('crash', `placeFiles rejected with ${detail}`);
    }
    const destination = await snapshot(this.destination);
    for (const [name, state] of destination) {
      if (name === stagingName || name.startsWith(`${stagingName}/`)) continue;
      if (USER_FILES[name] !== undefined || state === 'dir') continue;
      if (staged.get(name) !== state) {
        throw new PropertyViolation(
          'outside_write',
          `the destination holds ${name} (${state}), which was not staged so`,
        );
      }
    }
    return placed.written.length;
  }

  /** Outside the destination nothing changed; inside it, the user's files are intact. */
  private async checkDestination(baseline: Snapshot, staging: string): Promise<void> {
    const now = await snapshot(this.root, this.destination);
    const before = new Map(
      [...baseline].filter(([name]) => !path.join(this.root, name).startsWith(this.destination + path.sep)),
    );
    before.delete(path.relative(this.root, this.destination).split(path.sep).join('/'));
    const outside = difference(before, now);
    if (outside.length > 0)
      throw new PropertyViolation('outside_write', `changed ${outside.slice(0, 5).join(', ')}`);
    for (const [name, content] of Object.entries(USER_FILES)) {
      const actual = await fs.readFile(path.join(this.destination, name), 'utf8').catch(() => undefined);
      if (actual !== content) throw new PropertyViolation('user_file', `${name} was replaced or removed`);
    }
    const stagingLeft = await fs.lstat(staging).then(
      () => true,
      () => false,
    );
    if (stagingLeft)
      throw new PropertyViolation('inconsistent', `the staging folder was not removed: ${staging}`);
  }

  private async checkDescriptors(before: Map<string, string>): Promise<void> {
    let grown: string[] = [];
    for (let retry = 0; retry < 6; retry++) {
      if (retry > 0) await new Promise((resolve) => setTimeout(resolve, 10)); // a close may be on its way back
      grown = [...openDescriptorTargets()]
        .filter(([fd, target]) => before.get(fd) !== target)
        .map(([fd, target]) => `${fd} → ${target}`);
      if (grown.length === 0) return;
    }
    throw new PropertyViolation('fd_leak', `descriptors opened and not closed: ${grown.join(', ')}`);
  }

  /** Back to the user files only. */
  private async resetDestination(): Promise<void> {
    await fs.rm(this.destination, { recursive: true, force: true });
    for (const [name, content] of Object.entries(USER_FILES)) {
      const target = path.join(this.destination, ...name.split('/'));
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
    }
  }
}
