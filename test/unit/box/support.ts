// Shared set-up for the Box client tests: a real emulator over a generated tree, token helpers that talk to the
// emulator's OAuth endpoints, and a sleep that records the waits the client asks for instead of waiting.
import { promises as fs } from 'node:fs';
import type { Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoxClient, type BoxClientOptions, type TokenProvider } from '../../../src/core/box/client';
import type { Logger } from '../../../src/core/logger';
import {
  DEFAULT_APP,
  ENTERPRISE_ID,
  startEmulator,
  type EmulatorClock,
  type RunningEmulator,
} from '../../../src/emulator/index';
import { makeTree } from '../../helpers/tree';

export const BIG_FOLDER_FILES = 2500;
export const SMALL_FOLDER_FILES = 12;

export interface TestBox {
  emulator: RunningEmulator;
  root: string;
  bigFolderId: string;
  smallFolderId: string;
  cleanup(): Promise<void>;
}

/** `big/` holds 2,500 files directly (for paging); `small/` a little nested tree (for ZIPs). */
export async function startTestBox(options: { clock?: EmulatorClock } = {}): Promise<TestBox> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-client-test-'));
  await makeTree(path.join(root, 'big'), {
    seed: 11,
    files: BIG_FOLDER_FILES,
    maxDepth: 0,
    minSize: 0,
    maxSize: 64,
  });
  await makeTree(path.join(root, 'small'), {
    seed: 12,
    files: SMALL_FOLDER_FILES,
    maxDepth: 2,
    minSize: 10,
    maxSize: 4000,
  });
  const emulator = await startEmulator({ root, clock: options.clock });
  return {
    emulator,
    root,
    bigFolderId: emulator.idForPath('big'),
    smallFolderId: emulator.idForPath('small'),
    async cleanup() {
      await emulator.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Puts every fault knob the tests touch back to "no fault". */
export function resetFaults(emulator: RunningEmulator): void {
  const faults = emulator.faults;
  faults.rateLimit = undefined;
  faults.serverErrors = undefined;
  faults.entryDelayMs = undefined;
  faults.bytesPerSecond = undefined;
  faults.cutAfterBytes = undefined;
  faults.cutDownloads = undefined;
  faults.maxConcurrentDownloads = 5;
}

export function staticTokens(token: string): TokenProvider {
  return { getAccessToken: async () => token };
}

/** A real client-credentials grant against the emulator's token endpoint (no refresh token, as on Box). */
export async function clientCredentialsToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEFAULT_APP.clientId,
      client_secret: DEFAULT_APP.clientSecret,
      box_subject_type: 'enterprise',
      box_subject_id: ENTERPRISE_ID,
    }),
  });
  if (!response.ok) {
    throw new Error(`token grant failed: ${response.status}`);
  }
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function revokeToken(baseUrl: string, token: string): Promise<void> {
  const response = await fetch(`${baseUrl}/oauth2/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: DEFAULT_APP.clientId,
      client_secret: DEFAULT_APP.clientSecret,
      token,
    }),
  });
  if (!response.ok) {
    throw new Error(`revoke failed: ${response.status}`);
  }
}

/** Records each requested wait and returns at once; still honours an aborted signal like a real sleep. */
export function recordingSleep(): {
  sleeps: number[];
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
} {
  const sleeps: number[] = [];
  return {
    sleeps,
    async sleep(ms, signal) {
      sleeps.push(ms);
      signal?.throwIfAborted();
    },
  };
}

export function makeClient(
  box: { emulator: RunningEmulator },
  overrides: Partial<BoxClientOptions> = {},
): BoxClient {
  return new BoxClient({
    baseUrl: box.emulator.baseUrl,
    tokenProvider: staticTokens(box.emulator.token),
    retry: { random: () => 0.5 },
    ...overrides,
  });
}

/** A sink that keeps every line, formatted the way an output channel would show it. */
export function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write =
    (level: string) =>
    (message: string, ...args: unknown[]) =>
      lines.push([`[${level}]`, message, ...args.map(String)].join(' '));
  return {
    lines,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

export function requestsTo(emulator: RunningEmulator, key: string): number {
  return emulator.stats.byPath[key] ?? 0;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Stops a test's own node:http server, cutting the connections it still holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
