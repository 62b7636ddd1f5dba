import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as yazl from 'yazl';
import { extractZip, type ExtractOptions, type ExtractResult } from '../../../src/core/extract/extractor';
import { createStagingDir, removeStagingDir, STAGING_PREFIX } from '../../../src/core/place/staging';
import { ArchiveError, type ArchiveErrorCode } from '../../../src/core/errors';

/**
 * A throw-away directory tree per test: `root/archive.zip`, `root/outer/dest` (the destination) and
 * `root/elsewhere` (an empty folder a hostile archive might aim at). Staging goes inside `dest`, three levels
 * below `root`, so any `../` escape lands inside `root` where the before/after snapshot sees it.
 */
export interface Sandbox {
  root: string;
  dest: string;
  elsewhere: string;
  zipPath: string;
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'box-pull-extract-'));
  const dest = path.join(root, 'outer', 'dest');
  const elsewhere = path.join(root, 'elsewhere');
  await fs.promises.mkdir(dest, { recursive: true });
  await fs.promises.mkdir(elsewhere);
  return {
    root,
    dest,
    elsewhere,
    zipPath: path.join(root, 'archive.zip'),
    cleanup: () => fs.promises.rm(root, { recursive: true, force: true }),
  };
}

export interface SnapshotEntry {
  type: 'file' | 'directory' | 'symlink' | 'other';
  size?: number;
  sha1?: string;
  target?: string;
}

/** Every path under `dir` (symlinks not followed) with type, size and content hash. */
export async function snapshot(dir: string): Promise<Map<string, SnapshotEntry>> {
  const result = new Map<string, SnapshotEntry>();
  const walk = async (relative: string): Promise<void> => {
    const absolute = path.join(dir, relative);
    for (const name of await fs.promises.readdir(absolute)) {
      const childRelative = relative === '' ? name : `${relative}/${name}`;
      const childAbsolute = path.join(dir, childRelative);
      const stat = await fs.promises.lstat(childAbsolute);
      if (stat.isDirectory()) {
        result.set(childRelative, { type: 'directory' });
        await walk(childRelative);
      } else if (stat.isFile()) {
        const content = await fs.promises.readFile(childAbsolute);
        result.set(childRelative, { type: 'file', size: stat.size, sha1: sha1(content) });
      } else if (stat.isSymbolicLink()) {
        result.set(childRelative, { type: 'symlink', target: await fs.promises.readlink(childAbsolute) });
      } else {
        result.set(childRelative, { type: 'other' });
      }
    }
  };
  await walk('');
  return result;
}

export function sha1(content: Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}

/** Files under `dir` as relative posix path → content. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const [relative, entry] of await snapshot(dir)) {
    if (entry.type === 'file') files.set(relative, await fs.promises.readFile(path.join(dir, relative)));
  }
  return files;
}

export interface HostileExpectation {
  code: ArchiveErrorCode | 'AbortError';
  options?: ExtractOptions;
  /** Files that may legitimately be complete in staging when the error strikes (relative path → content). */
  mayExist?: Map<string, Buffer>;
  /** Extra check on the error. */
  check?(error: ArchiveError): void;
}

/**
 * Extracts `archive` and expects it to fail with `code`. Asserts: (1) the error code, (2) every file left in
 * staging is complete (listed in `mayExist` with exactly that content), (3) after removing staging, the sandbox is
 * byte-for-byte what it was before, and `elsewhere` is still empty.
 */
/**
 * An empty folder named like a staging folder inside `destination`, for tests that extract or place directly. (A
 * pull's real staging folder holds its owner marker, the archive and a `files` folder that extraction fills.)
 */
export function makeExtractionDir(destination: string): Promise<string> {
  return fs.promises.mkdtemp(path.join(destination, STAGING_PREFIX));
}

export async function expectExtractionFailure(
  archive: Buffer,
  expectation: HostileExpectation,
): Promise<ArchiveError | Error> {
  const sandbox = await makeSandbox();
  try {
    await fs.promises.writeFile(sandbox.zipPath, archive);
    const before = await snapshot(sandbox.root);
    const staging = await makeExtractionDir(sandbox.dest);
    let caught: unknown;
    try {
      await extractZip(sandbox.zipPath, staging, expectation.options);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof Error, `expected extraction to fail with ${expectation.code}`);
    if (expectation.code === 'AbortError') {
      assert.equal(caught.name, 'AbortError', `expected AbortError, got ${caught.name}: ${caught.message}`);
    } else {
      assert.ok(
        caught instanceof ArchiveError,
        `expected ArchiveError, got ${caught.name}: ${caught.message}`,
      );
      assert.equal(
        caught.code,
        expectation.code,
        `expected ${expectation.code}, got ${caught.code}: ${caught.message}`,
      );
      expectation.check?.(caught);
    }
    for (const [relative, content] of await readTree(staging)) {
      const allowed = expectation.mayExist?.get(relative);
      assert.ok(allowed !== undefined, `unexpected file left in staging: ${relative}`);
      assert.ok(content.equals(allowed), `half-written file left in staging: ${relative}`);
    }
    await removeStagingDir(staging);
    assert.deepEqual(await snapshot(sandbox.root), before, 'the sandbox changed outside staging');
    assert.deepEqual(await fs.promises.readdir(sandbox.elsewhere), []);
    return caught;
  } finally {
    await sandbox.cleanup();
  }
}

/** Extracts `archive` into a fresh staging folder; returns the result and the files written. */
export async function extractOk(
  archive: Buffer,
  options?: ExtractOptions,
): Promise<{ result: ExtractResult; tree: Map<string, Buffer>; staging: string; sandbox: Sandbox }> {
  const sandbox = await makeSandbox();
  await fs.promises.writeFile(sandbox.zipPath, archive);
  const staging = await makeExtractionDir(sandbox.dest);
  const result = await extractZip(sandbox.zipPath, staging, options);
  return { result, tree: await readTree(staging), staging, sandbox };
}

export interface YazlFile {
  name: string;
  data: Buffer;
  /** Stream it: yazl then writes a data descriptor (bit 3). */
  stream?: boolean;
  compress?: boolean;
  mtime?: Date;
}

/** A benign archive made by yazl. */
export function yazlZip(
  files: YazlFile[],
  options: { emptyDirectories?: string[]; forceZip64?: boolean } = {},
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const file of files) {
    const entryOptions = {
      compress: file.compress ?? true,
      forceZip64Format: options.forceZip64 ?? false,
      mtime: file.mtime ?? new Date(2023, 5, 1, 12, 0, 0),
      mode: 0o100644,
    };
    if (file.stream) {
      zip.addReadStream(Readable.from([file.data]), file.name, entryOptions);
    } else {
      zip.addBuffer(file.data, file.name, entryOptions);
    }
  }
  for (const directory of options.emptyDirectories ?? []) zip.addEmptyDirectory(directory);
  zip.end({ forceZip64Format: options.forceZip64 ?? false, comment: '' });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** The sandbox's archive extracted into a fresh staging folder's `files`, as a pull stages it for placing. */
export async function stagedArchive(
  sandbox: Sandbox,
  stripTopLevelFolder: string,
): Promise<{ files: string; extracted: ExtractResult }> {
  const files = path.join(await createStagingDir(sandbox.dest), 'files');
  await fs.promises.mkdir(files);
  return { files, extracted: await extractZip(sandbox.zipPath, files, { stripTopLevelFolder }) };
}
