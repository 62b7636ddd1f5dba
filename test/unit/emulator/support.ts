// Shared fixtures for the emulator tests: a temp tree, a running emulator, small HTTP helpers and a ZIP reader.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../src/emulator/index';

export interface Fixture {
  emulator: RunningEmulator;
  root: string;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<Response>;
  getJson<T = Record<string, unknown>>(pathAndQuery: string): Promise<T>;
  post(pathAndQuery: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  form(pathAndQuery: string, fields: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function tempDir(prefix = 'box-emu-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes `files` (relative path → content) and creates `folders` (possibly empty) under a new temp root. */
export async function writeTree(
  files: Record<string, string | Buffer>,
  folders: string[] = [],
): Promise<string> {
  const root = await tempDir();
  for (const folder of folders) await fs.mkdir(path.join(root, folder), { recursive: true });
  for (const [relPath, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, relPath)), { recursive: true });
    await fs.writeFile(path.join(root, relPath), content);
  }
  return root;
}

export async function startFixture(root: string, options: Partial<EmulatorOptions> = {}): Promise<Fixture> {
  const emulator = await startEmulator({ root, ...options });
  const auth = { authorization: `Bearer ${emulator.token}` };
  const url = (p: string) => (p.startsWith('http') ? p : `${emulator.baseUrl}${p}`);
  return {
    emulator,
    root,
    get: (p, headers = {}) => fetch(url(p), { headers: { ...auth, ...headers }, redirect: 'manual' }),
    async getJson<T>(p: string) {
      const res = await fetch(url(p), { headers: auth });
      if (res.status !== 200) throw new Error(`GET ${p} → ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    post: (p, body, headers = {}) =>
      fetch(url(p), {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    form: (p, fields) =>
      fetch(url(p), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      }),
    async close() {
      await emulator.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

export interface ZipEntryInfo {
  name: string;
  method: number;
  usesDataDescriptor: boolean;
  zip64: boolean;
  content: Buffer;
}

/** Reads every entry of a ZIP held in memory (through its central directory, as the extension does). */
export function readZip(buffer: Buffer): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries: ZipEntryInfo[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        const info = {
          name: entry.fileName,
          method: entry.compressionMethod,
          usesDataDescriptor: (entry.generalPurposeBitFlag & 0x8) !== 0,
          zip64: entry.extraFields.some((field) => field.id === 0x0001),
        };
        if (entry.fileName.endsWith('/')) {
          entries.push({ ...info, content: Buffer.alloc(0) });
          return zip.readEntry();
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ ...info, content: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

export interface CreatedZip {
  download_url: string;
  status_url: string;
  expires_at: string;
  name_conflicts: { id: string; type: string; original_name: string; download_name: string }[][];
}

export async function createZip(fixture: Fixture, items: { type: string; id: string }[], name?: string) {
  const res = await fixture.post('/2.0/zip_downloads', {
    items,
    ...(name ? { download_file_name: name } : {}),
  });
  if (res.status !== 202) throw new Error(`zip create → ${res.status}: ${await res.text()}`);
  return (await res.json()) as CreatedZip;
}

export async function downloadZip(fixture: Fixture, items: { type: string; id: string }[]) {
  const created = await createZip(fixture, items);
  const res = await fetch(created.download_url);
  if (res.status !== 200) throw new Error(`zip download → ${res.status}`);
  return { created, buffer: Buffer.from(await res.arrayBuffer()) };
}

export async function statusOf(fixture: Fixture, statusUrl: string): Promise<Record<string, unknown>> {
  return fixture.getJson(statusUrl);
}
