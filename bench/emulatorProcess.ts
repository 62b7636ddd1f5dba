// The emulator as a child process (`node dist/emulator.js`, from the bench's snapshot), so its CPU work (walking the tree, deflating the ZIP
// stream) never shares an event loop with the bench's timers and samplers. It prints the API base URL and then
// the token on its first two stdout lines.
import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';

const STARTUP_TIMEOUT_MS = 20_000;

export interface EmulatorProcess {
  baseUrl: string;
  token: string;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(
  emulatorScript: string,
  root: string,
  flags: string[],
): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [emulatorScript, '--root', root, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  try {
    const [baseUrl, token] = await firstTwoLines(child);
    return { baseUrl, token, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw new Error(`The emulator did not start: ${(error as Error).message} ${stderr.trim()}`, {
      cause: error,
    });
  }
}

function firstTwoLines(child: ChildProcess): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const reader = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('timed out')), STARTUP_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    reader.on('line', (line) => {
      lines.push(line.trim());
      if (lines.length === 2) {
        clearTimeout(timer);
        reader.close();
        child.stdout!.resume();
        resolve([lines[0], lines[1]]);
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A fresh, single-use ZIP download URL for a folder, as the baseline's "browser" would get it. */
export async function createZipDownloadUrl(emulator: EmulatorProcess, folderId: string): Promise<string> {
  const response = await fetch(`${emulator.baseUrl}/2.0/zip_downloads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ type: 'folder', id: folderId }] }),
  });
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(`POST /2.0/zip_downloads answered ${response.status}`);
  }
  const body = (await response.json()) as { download_url?: string };
  if (!body.download_url) throw new Error('POST /2.0/zip_downloads returned no download_url');
  return body.download_url;
}

/**
 * Looks each folder up once, untimed: the emulator learns ids by scanning its root on the first unknown id, and
 * that one-off scan must not be charged to whichever contender happens to run first.
 */
export async function warmEmulator(emulator: EmulatorProcess, folderIds: string[]): Promise<void> {
  for (const id of folderIds) {
    const response = await fetch(`${emulator.baseUrl}/2.0/folders/${id}?fields=id,name`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    if (!response.ok) throw new Error(`GET /2.0/folders/${id} answered ${response.status}`);
    await response.arrayBuffer();
  }
}
