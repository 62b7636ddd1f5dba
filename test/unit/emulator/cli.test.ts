import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { faultsFromFlags, sharedLinksFromFlags } from '../../../src/emulator/main';
import { repoRoot } from './openapi';
import { writeTree } from './support';

/** The bundle `npm run emulator` runs, or the tsc output of the same entry point before a build. */
function emulatorScript(): string {
  const bundled = path.join(repoRoot(), 'dist', 'emulator.js');
  return existsSync(bundled) ? bundled : path.join(__dirname, '..', '..', '..', 'src', 'emulator', 'main.js');
}

async function firstLines(child: ChildProcess, count: number): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length === count) break;
  }
  return lines;
}

describe('emulator: CLI', () => {
  let root: string;
  before(async () => {
    root = await writeTree({ 'Docs/a.txt': 'a', 'Docs/secret.txt': 's' });
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  it('prints the base URL then the token, serves with the flags, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [emulatorScript(), '--root', root, '--port', '0', '--token', 'tok-123', '--rate-limit', '1:7'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const [baseUrl, token] = await firstLines(child, 2);
      assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(token, 'tok-123');
      const headers = { authorization: `Bearer ${token}` };
      const limited = await fetch(`${baseUrl}/2.0/users/me`, { headers });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '7');
      assert.equal((await fetch(`${baseUrl}/2.0/users/me`, { headers })).status, 200);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });

  it('generates a random token when none is given and exits 2 without --root', async () => {
    const child = spawn(process.execPath, [emulatorScript(), '--root', root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [, token] = await firstLines(child, 2);
    assert.match(token, /^[A-Za-z0-9]{32}$/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);

    const usage = spawn(process.execPath, [emulatorScript()], { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(await new Promise((resolve) => usage.once('exit', resolve)), 2);
  });

  it('maps every fault flag onto a knob', () => {
    const faults = faultsFromFlags({
      'rate-limit': '3:2',
      'server-errors': '2:503:9',
      'bytes-per-second': '1000',
      'cut-after-bytes': '500',
      'cut-downloads': '1',
      'entry-delay-ms': '5',
      'access-token-ttl': '60',
      'auth-code-ttl': '10',
      'status-in-progress-polls': '2',
      'max-zip-files': '10',
      'max-zip-bytes': '2048',
      'zip-url-ttl': '30',
      'zip-compression': 'mixed',
      'compression-level': '6',
      inaccessible: ['a.txt', 'Docs/b'],
      'force-zip64': true,
      'no-auto-approve': true,
      'deny-authorization': true,
    });
    assert.deepEqual(faults, {
      rateLimit: { remaining: 3, retryAfterSeconds: 2 },
      serverErrors: { remaining: 2, status: 503, retryAfterSeconds: 9 },
      bytesPerSecond: 1000,
      cutAfterBytes: 500,
      cutDownloads: 1,
      entryDelayMs: 5,
      accessTokenTtlSeconds: 60,
      authCodeTtlSeconds: 10,
      statusInProgressPolls: 2,
      maxZipFiles: 10,
      maxZipBytes: 2048,
      zipUrlTtlSeconds: 30,
      zipCompression: 'mixed',
      compressionLevel: 6,
      inaccessible: ['a.txt', 'Docs/b'],
      forceZip64: true,
      autoApprove: false,
      denyAuthorization: true,
    });
    assert.throws(() => faultsFromFlags({ 'server-errors': '1:404' }), /500, 502 or 503/);
    assert.throws(() => faultsFromFlags({ 'max-zip-files': 'lots' }), /non-negative integer/);
  });

  it('--shared-link <relpath>=<hash>[:<password>] and --zip-refuses-link-only', () => {
    assert.deepEqual(sharedLinksFromFlags(['Team Docs=abc123', 'Locked=z9:p:w']), [
      { path: 'Team Docs', hash: 'abc123' },
      { path: 'Locked', hash: 'z9', password: 'p:w' },
    ]);
    assert.throws(() => sharedLinksFromFlags(['no-hash']), /<relpath>=<hash>/);
    assert.equal(faultsFromFlags({ 'zip-refuses-link-only': true }).zipRefusesLinkOnly, true);
  });
});
