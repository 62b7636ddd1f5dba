// Shared by the integration suites, which run inside VS Code's extension host against the emulator started by the
// test host (test/host/**). Only types come from src/: the extension's runtime objects are reached through the
// API that activate() returns, so there is exactly one copy of every class.
import * as assert from 'node:assert/strict';
import { cpSync, promises as fs, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_APP } from '../../src/emulator/options';
import type { BoxPullTestApi } from '../../src/vscode/api';
import { diffTrees } from '../helpers/compareTrees';
import type { DownloadOutcome } from '../../src/vscode/download/downloadRunner';
import type { ConflictListRequest } from '../../src/vscode/download/conflictList';
import type {
  ConfirmRequest,
  FolderRequest,
  InputRequest,
  PickItem,
  PickRequest,
  Prompter,
} from '../../src/vscode/prompter';
import type { BoxTreeNode } from '../../src/vscode/tree/nodes';

export const EXTENSION_ID = 'box-pull.box-pull';

export function requireEnv(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} must be set by the test host`);
  return value;
}

export const env = {
  get apiUrl(): string {
    return requireEnv('BOX_PULL_API_URL');
  },
  get devToken(): string {
    return requireEnv('BOX_PULL_DEV_TOKEN');
  },
  /** The directory the emulator serves as "All Files". */
  get testRoot(): string {
    return requireEnv('BOX_PULL_TEST_ROOT');
  },
  /** The open workspace folder. */
  get workspace(): string {
    return requireEnv('BOX_PULL_TEST_WORKSPACE');
  },
};

export async function getApi(): Promise<BoxPullTestApi> {
  const extension = vscode.extensions.getExtension<BoxPullTestApi | undefined>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed`);
  const api = await extension.activate();
  assert.ok(api, 'the test API is only returned outside Production mode');
  await api.ready;
  return api;
}

// ---- Scripted prompts -------------------------------------------------------------------------------------------

type Answer = (request: unknown) => unknown;

/**
 * Answers the extension's questions from a script keyed by request id ('destination', 'conflicts', 'browser',
 * ...). A question nobody scripted fails the command at once instead of waiting for a dialog nobody will close.
 */
export class ScriptedPrompter implements Prompter {
  private readonly answers = new Map<string, Answer[]>();
  /** Every question asked, in order, by id. */
  readonly asked: string[] = [];

  /** Queues answers for the next questions with this id, in order. */
  on(id: string, ...answers: Answer[]): this {
    this.answers.set(id, [...(this.answers.get(id) ?? []), ...answers]);
    return this;
  }

  /** Questions still waiting for their turn (should be empty after a scenario). */
  unused(): string[] {
    return [...this.answers].filter(([, list]) => list.length > 0).map(([id]) => id);
  }

  private async answer<T>(id: string, request: unknown): Promise<T> {
    this.asked.push(id);
    const next = this.answers.get(id)?.shift();
    if (!next) throw new Error(`Unexpected prompt "${id}" (asked so far: ${this.asked.join(', ')})`);
    return (await next(request)) as T;
  }

  pick<T>(request: PickRequest<T>): Promise<T | undefined> {
    return this.answer(request.id, request);
  }
  input(request: InputRequest): Promise<string | undefined> {
    return this.answer(request.id, request);
  }
  confirm(request: ConfirmRequest): Promise<boolean> {
    return this.answer(request.id, request);
  }
  conflicts(request: ConflictListRequest) {
    return this.answer<Awaited<ReturnType<Prompter['conflicts']>>>('conflicts', request);
  }
  pickFolder(request: FolderRequest): Promise<vscode.Uri | undefined> {
    return this.answer(request.id, request);
  }
  openBrowser(url: string): Promise<boolean> {
    return this.answer('browser', url);
  }
}

/** An answer for a pick: the value of the first item `matches` accepts (fails if none does). */
export function pickWhere<T>(matches: (item: PickItem<T>) => boolean): Answer {
  return async (request) => {
    const items = await (request as PickRequest<T>).items;
    const item = items.find((candidate) => !candidate.separator && matches(candidate));
    assert.ok(item, `no item matched among: ${items.map((i) => i.label).join(' | ')}`);
    return item.value;
  };
}

/** The destination pick's answer for "this folder" (a workspace folder or a remembered one). */
export function destinationFolder(folderPath: string): Answer {
  return pickWhere<{ kind: string; uri?: vscode.Uri }>(
    (item) =>
      item.value?.kind === 'folder' && path.resolve(item.value.uri!.fsPath) === path.resolve(folderPath),
  );
}

export const value =
  <T>(answer: T): Answer =>
  () =>
    answer;

// ---- Signing in -------------------------------------------------------------------------------------------------

/** What a browser does with the authorize URL when the emulator auto-approves: follow the redirects. */
export async function browse(url: unknown): Promise<boolean> {
  const response = await fetch(String(url), { redirect: 'follow' });
  await response.text();
  return response.ok;
}

export async function signInWithDeveloperToken(api: BoxPullTestApi, token = env.devToken): Promise<unknown> {
  const prompter = new ScriptedPrompter().on('developerToken', value(token));
  return withPrompter(api, prompter, () => vscode.commands.executeCommand('boxPull.useDeveloperToken'));
}

/** Answers the client-credentials sign-in with the emulator's app, for the enterprise or a user. */
export function ccgPrompter(subject: 'enterprise' | 'user', id: string): ScriptedPrompter {
  return new ScriptedPrompter()
    .on('ccgClientId', value(DEFAULT_APP.clientId))
    .on('ccgClientSecret', value(DEFAULT_APP.clientSecret))
    .on('ccgSubjectType', value(subject))
    .on('ccgSubjectId', value(id));
}

/** The folder ids the palette's folder picker offers as recent (it is closed without a choice). */
export async function recentFolderIds(api: BoxPullTestApi): Promise<string[]> {
  let recent: string[] = [];
  const prompter = new ScriptedPrompter().on('boxFolder', async (request) => {
    const items = await (request as PickRequest<{ kind: string; item?: { id: string } }>).items;
    recent = items.filter((item) => item.value?.kind === 'take').map((item) => item.value!.item!.id);
    return undefined;
  });
  await withPrompter(api, prompter, () => vscode.commands.executeCommand('boxPull.downloadFolder'));
  return recent;
}

// ---- Tree -------------------------------------------------------------------------------------------------------

export interface Row {
  node: BoxTreeNode;
  item: vscode.TreeItem;
  label: string;
}

export async function rows(api: BoxPullTestApi, parent?: BoxTreeNode): Promise<Row[]> {
  const provider = api.tree.provider;
  const children = (await provider.getChildren(parent)) ?? [];
  return Promise.all(
    children.map(async (node) => {
      const item = await provider.getTreeItem(node);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return { node, item, label };
    }),
  );
}

export async function refreshTree(): Promise<void> {
  await vscode.commands.executeCommand('boxPull.refresh');
}

/** The row of a root-level (or `parent`-level) item by name. */
export async function findRow(api: BoxPullTestApi, name: string, parent?: BoxTreeNode): Promise<Row> {
  for (;;) {
    const all = await rows(api, parent);
    const row = all.find((candidate) => candidate.label === name);
    if (row) return row;
    // Not on the pages loaded so far: load the next one, as a user would.
    const loadMore = all.find((candidate) => candidate.item.contextValue === 'boxLoadMore');
    assert.ok(loadMore, `no row "${name}" among: ${all.map((r) => r.label).join(', ')}`);
    await vscode.commands.executeCommand('boxPull.loadMore', loadMore.node);
  }
}

// ---- Files ------------------------------------------------------------------------------------------------------

/** Creates `files` (relative path → content) under a new folder of the emulator's tree; returns its path. */
export async function makeBoxFolder(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const folder = path.join(env.testRoot, name);
  await fs.rm(folder, { recursive: true, force: true });
  await fs.mkdir(folder, { recursive: true });
  await writeFiles(folder, files);
  return folder;
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content);
  }
}

export async function readText(file: string): Promise<string> {
  return fs.readFile(file, 'utf8');
}

export async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

export async function remove(...paths: string[]): Promise<void> {
  for (const target of paths) await fs.rm(target, { recursive: true, force: true });
}

/**
 * A workspace destination that already holds the user's own files, made afresh by `prepare()` (call it in `setup`).
 * `assertUnchanged()` proves a failed or cancelled pull left it exactly so, byte for byte, with no staging folder.
 */
export function prefilledDestination(folder: string, userFiles: Record<string, string>) {
  const destination = path.join(env.workspace, folder);
  const before = mkdtempSync(path.join(os.tmpdir(), `box-pull-${folder}-before-`));
  return {
    path: destination,
    async prepare(): Promise<void> {
      await remove(destination, before);
      await writeFiles(destination, userFiles);
      cpSync(destination, before, { recursive: true });
    },
    async assertUnchanged(): Promise<void> {
      assert.deepEqual(await diffTrees(before, destination), [], 'destination (staging included)');
    },
    async dispose(): Promise<void> {
      await remove(destination, before);
    },
  };
}

// ---- The log ----------------------------------------------------------------------------------------------------

export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** The log files under `dir` once their text passes `has`: VS Code writes them a little after a line is logged (bounded, 10 s). */
async function logWhen(
  dir: string,
  isLog: (file: string) => boolean,
  has: (text: string) => boolean,
): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const files = (await filesUnder(dir)).filter(isLog);
    const text = (await Promise.all(files.map((file) => fs.readFile(file, 'utf8')))).join('\n');
    if (has(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The extension's log once it holds a line matching `pattern`. */
export async function logOnceItHas(api: BoxPullTestApi, pattern: RegExp): Promise<string> {
  return logWhen(
    api.logUri.fsPath,
    (file) => file.endsWith('.log'),
    (text) => pattern.test(text),
  );
}

/** The output channel's file ("Box Pull.log" under the host's `logsDir`), which must come to hold `line`. */
export async function channelLog(logsDir: string, line: string): Promise<string> {
  const isChannel = (file: string): boolean => path.basename(file) === 'Box Pull.log';
  const text = await logWhen(logsDir, isChannel, (all) => all.includes(line));
  if (!text.includes(line))
    assert.fail(`no "Box Pull.log" under ${logsDir} with "${line}" (read ${text.length} characters)`);
  return text;
}

// ---- Commands and settings --------------------------------------------------------------------------------------

export async function download(node: BoxTreeNode, selection?: BoxTreeNode[]): Promise<DownloadOutcome> {
  const outcome = await vscode.commands.executeCommand<DownloadOutcome | undefined>(
    'boxPull.download',
    node,
    selection,
  );
  assert.ok(outcome, 'the download command returned nothing (was a prompt answered with undefined?)');
  return outcome;
}

export async function setSetting(key: string, setting: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('boxPull').update(key, setting, vscode.ConfigurationTarget.Global);
}

/** Installs a scripted prompter for the duration of `fn` and checks every scripted answer was used. */
export async function withPrompter<T>(
  api: BoxPullTestApi,
  prompter: ScriptedPrompter,
  fn: () => Thenable<T>,
): Promise<T> {
  api.setPrompterForTests(prompter);
  try {
    const result = await fn();
    assert.deepEqual(prompter.unused(), [], 'scripted answers left unused');
    return result;
  } finally {
    api.setPrompterForTests(undefined);
  }
}
