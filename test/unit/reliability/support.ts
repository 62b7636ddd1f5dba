// Shared pieces of the reliability suites: a small Box account served by the emulator, a client whose retry
// waits are recorded instead of slept, a capturing logger, and the checks every fault test ends with (nothing
// half-written, no temp folders, user files untouched).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoxClient, type BoxClientOptions, type TokenProvider } from '../../../src/core/box/client';
import { createRedactingLogger, type Logger } from '../../../src/core/logger';
import type { PullRequest } from '../../../src/core/pull/pull';
import { defaultFaults, startEmulator, type EmulatorOptions } from '../../../src/emulator/index';
import { readTree, type TreeListing } from '../../helpers/compareTrees';
import { makeTree, type TreeOptions } from '../../helpers/tree';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** The folder every suite pulls: `account/<FOLDER>`. */
export const FOLDER = 'Project';

export interface Fixture {
  /** Private temp folder of the suite; destinations go in here. */
  sandbox: string;
  /** The emulator's "All Files". */
  root: string;
  /** The source of the pulled folder: what a destination must equal after a pull. */
  source: string;
  emulator: Emulator;
  folderId: string;
  /** Every request line the emulator logged (`METHOD /templated/path STATUS`), in order. */
  requestLog: string[];
  /** Called for every request line; tests use it to change knobs at an exact point of the flow. */
  onRequest?: (line: string) => void;
  /** A destination path inside the sandbox that does not exist yet. */
  freshDestination(): string;
  close(): Promise<void>;
}

const SMALL_TREE: Omit<TreeOptions, 'seed'> = {
  files: 60,
  maxDepth: 3,
  minSize: 0,
  maxSize: 24_000,
  emptyFolders: 2,
};

export async function startFixture(
  options: { seed?: number; tree?: Partial<TreeOptions>; emulator?: Partial<EmulatorOptions> } = {},
): Promise<Fixture> {
  const sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-reliability-'));
  const root = path.join(sandbox, 'account');
  const source = path.join(root, FOLDER);
  await makeTree(source, { ...SMALL_TREE, seed: options.seed ?? 11, ...options.tree });
  const requestLog: string[] = [];
  let counter = 0;
  const fixture: Fixture = {
    sandbox,
    root,
    source,
    requestLog,
    emulator: undefined as unknown as Emulator,
    folderId: '',
    freshDestination: () => path.join(sandbox, `dest-${++counter}`),
    async close() {
      await fixture.emulator?.close();
      await fs.rm(sandbox, { recursive: true, force: true });
    },
  };
  fixture.emulator = await startEmulator({
    root,
    ...options.emulator,
    log: (line) => {
      requestLog.push(line);
      fixture.onRequest?.(line);
    },
  });
  fixture.folderId = fixture.emulator.idForPath(FOLDER);
  return fixture;
}

/** Puts every knob back to its default (the object is shared by the whole suite). */
export function resetFaults(fixture: Fixture): void {
  const faults = fixture.emulator.faults as unknown as Record<string, unknown>;
  for (const key of Object.keys(faults)) delete faults[key];
  Object.assign(fixture.emulator.faults, defaultFaults());
  fixture.onRequest = undefined;
}

/** A client `sleep` that records each wait and returns at once (it still honours an abort). */
export class RecordedSleep {
  readonly delays: number[] = [];
  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    this.delays.push(ms);
    signal?.throwIfAborted();
    await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
}

export function developerToken(emulator: Emulator): TokenProvider {
  return { getAccessToken: async () => emulator.token };
}

/** A client for the emulator: recorded retry waits, a fixed jitter draw, everything else as shipped. */
export function makeClient(
  fixture: Fixture,
  extra: Partial<BoxClientOptions> & { recorder?: RecordedSleep } = {},
): BoxClient {
  const { recorder, ...options } = extra;
  return new BoxClient({
    baseUrl: fixture.emulator.baseUrl,
    tokenProvider: developerToken(fixture.emulator),
    sleep: (recorder ?? new RecordedSleep()).sleep,
    ...options,
    retry: { random: () => 0.5, ...options.retry },
  });
}

export function pullRequest(
  fixture: Fixture,
  client: BoxClient,
  destination: string,
  extra: Partial<PullRequest> = {},
): PullRequest {
  return {
    client,
    items: [{ type: 'folder', id: fixture.folderId }],
    destination,
    conflictPolicy: 'skip',
    statusPoll: { firstDelayMs: 5, maxDelayMs: 10 },
    // The pause before a fresh ZIP is recorded, not slept (pass `sleep: undefined` for the real one).
    sleep: new RecordedSleep().sleep,
    ...extra,
  };
}

export interface LogLine {
  level: keyof Logger;
  text: string;
}

/**
 * A trace-level sink behind the core's redacting wrapper, as the extension and the CLI wire it. `onWarn` lets a
 * test react to the pipeline's "attempt failed" warning, the exact moment between two attempts.
 */
export function capturingLogger(
  onWarn?: (text: string) => void,
  secrets: () => Iterable<string> = () => [],
): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      const text = [message, ...args.map(String)].join(' ');
      lines.push({ level, text });
      if (level === 'warn') onWarn?.(text);
    };
  const sink: Logger = {
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  return { logger: createRedactingLogger(sink, secrets), lines };
}

/** Names in `dir` (recursively) that belong to Box Pull's temporary files. */
export async function temporaryLeftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const temporary = entry.name.startsWith('.box-pull') && entry.name !== '.box-pull.json';
      if (temporary || entry.name.endsWith('.zip')) found.push(child);
      if (entry.isDirectory()) await walk(child);
    }
  };
  await walk('');
  return found;
}

/** A destination's listing, or undefined when it does not exist. */
export async function listing(dir: string): Promise<TreeListing | undefined> {
  return readTree(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * The end state after a failed or cancelled pull: the destination is exactly what it was (or still absent), and
 * no temp file is left in it or next to it.
 */
export async function assertUnchanged(
  destination: string,
  before: TreeListing | undefined,
  what: string,
): Promise<void> {
  assert.deepEqual(await temporaryLeftovers(path.dirname(destination)), [], `${what}: temp files left`);
  const after = await listing(destination);
  if (before === undefined) {
    assert.equal(after, undefined, `${what}: the destination it created was not removed`);
    return;
  }
  assert.ok(after, `${what}: the destination disappeared`);
  assert.deepEqual([...after.directories].sort(), [...before.directories].sort(), `${what}: folders changed`);
  assert.deepEqual([...after.files.keys()].sort(), [...before.files.keys()].sort(), `${what}: files changed`);
  for (const [name, bytes] of before.files) {
    assert.ok(after.files.get(name)?.equals(bytes), `${what}: ${name} was modified`);
  }
}

/**
 * The end state after a successful pull into a destination that held `userFiles`: every Box file is there byte
 * for byte, every user file is untouched (policy skip), nothing else exists.
 */
export async function assertPulled(
  fixture: Fixture,
  destination: string,
  userFiles: Map<string, Buffer> = new Map(),
): Promise<void> {
  assert.deepEqual(await temporaryLeftovers(path.dirname(destination)), [], 'temp files left');
  const expected = await readTree(fixture.source);
  const actual = await readTree(destination);
  for (const [name, bytes] of userFiles) {
    assert.ok(actual.files.get(name)?.equals(bytes), `user file ${name} was replaced`);
  }
  for (const [name, bytes] of expected.files) {
    if (userFiles.has(name)) continue;
    assert.ok(actual.files.get(name)?.equals(bytes), `missing or different: ${name}`);
  }
  const extra = [...actual.files.keys()].filter((name) => !expected.files.has(name) && !userFiles.has(name));
  assert.deepEqual(extra, [], 'files that are neither from Box nor the user');
  for (const directory of expected.directories) assert.ok(actual.directories.has(directory), directory);
}

/** Writes user files into `destination` (created if needed) and returns them. */
export async function plantUserFiles(
  destination: string,
  files: Record<string, string | Buffer>,
): Promise<Map<string, Buffer>> {
  const planted = new Map<string, Buffer>();
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(destination, ...name.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    await fs.writeFile(target, bytes);
    planted.set(name, bytes);
  }
  return planted;
}

/** The first `count` file paths of the source, for conflicts with user files. */
export async function sourceFiles(fixture: Fixture): Promise<string[]> {
  return [...(await readTree(fixture.source)).files.keys()].sort();
}

/** Requests the emulator logged whose line starts with `prefix` (e.g. `POST /2.0/zip_downloads`). */
export function countRequests(fixture: Fixture, prefix: string): number {
  return fixture.requestLog.filter((line) => line.startsWith(prefix)).length;
}
