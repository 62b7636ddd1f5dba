import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createFileLock, LockTimeoutError, withFileLock } from '../../../src/core/auth/fileLock';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('auth/fileLock', () => {
  let dir: string;
  let lockPath: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-lock-'));
    lockPath = path.join(dir, 'nested', 'tokens.lock');
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lets one holder in at a time and removes the lock file afterwards', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        withFileLock(lockPath, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(10);
          order.push(i);
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
    assert.equal(order.length, 5);
    assert.equal(existsSync(lockPath), false);
  });

  it('returns the value of fn and releases the lock when fn throws', async () => {
    assert.equal(await withFileLock(lockPath, async () => 42), 42);
    await assert.rejects(
      withFileLock(lockPath, async () => {
        throw new Error('inside');
      }),
      /inside/,
    );
    assert.equal(existsSync(lockPath), false);
    assert.equal(await withFileLock(lockPath, async () => 'again', { timeoutMs: 100 }), 'again');
  });

  it('takes over a lock file nobody has touched for staleMs', async () => {
    await fs.mkdir(path.dirname(lockPath), { recursive: true });
    await fs.writeFile(lockPath, JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'old' }));
    const past = new Date(Date.now() - 60_000);
    await fs.utimes(lockPath, past, past);
    assert.equal(
      await withFileLock(lockPath, async () => 'taken', { staleMs: 30_000, timeoutMs: 1000 }),
      'taken',
    );
    assert.equal(existsSync(lockPath), false);
  });

  it('takes over at once a lock whose owner process on this host has exited', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    await fs.mkdir(path.dirname(lockPath), { recursive: true });
    await fs.writeFile(lockPath, JSON.stringify({ pid: deadPid, host: os.hostname(), nonce: 'crashed' }));
    assert.equal(await withFileLock(lockPath, async () => 'taken', { timeoutMs: 1000 }), 'taken');
  });

  it('gives up with LockTimeoutError while a live holder keeps the lock', async () => {
    let release!: () => void;
    const held = withFileLock(lockPath, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(20);
    await assert.rejects(
      withFileLock(lockPath, async () => 'never', { timeoutMs: 100 }),
      (error: unknown) => error instanceof LockTimeoutError,
    );
    release();
    await held;
  });

  it('keeps a long-running holder fresh so it is never judged stale', async () => {
    let secondRan = false;
    const first = withFileLock(
      lockPath,
      async () => {
        await sleep(700);
        assert.equal(secondRan, false);
      },
      { staleMs: 300 },
    );
    await sleep(20);
    await withFileLock(
      lockPath,
      async () => {
        secondRan = true;
      },
      { staleMs: 300 },
    );
    await first;
    assert.equal(secondRan, true);
  });

  it('stops waiting on abort', async () => {
    let release!: () => void;
    const held = withFileLock(lockPath, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(20);
    const controller = new AbortController();
    const waiting = withFileLock(lockPath, async () => 'never', { signal: controller.signal });
    controller.abort(new Error('no longer needed'));
    await assert.rejects(waiting, /no longer needed/);
    release();
    await held;
  });

  it('createFileLock keeps one file per key in the directory', async () => {
    const lock = createFileLock(dir);
    const seen = await lock('box pull/credentials', async () => fs.readdir(dir));
    assert.deepEqual(
      seen.filter((name) => name.endsWith('.lock')),
      ['box_pull_credentials.lock'],
    );
  });

  it('excludes other processes: concurrent read-modify-write of a counter loses no update', async function () {
    this.timeout(60_000);
    const counter = path.join(dir, 'counter.txt');
    await fs.writeFile(counter, '0');
    const modulePath = path.resolve(__dirname, '../../../src/core/auth/fileLock.js');
    const script = `
      const fs = require('node:fs/promises');
      const { withFileLock } = require(${JSON.stringify(modulePath)});
      (async () => {
        for (let i = 0; i < 10; i++) {
          await withFileLock(${JSON.stringify(lockPath)}, async () => {
            const value = Number(await fs.readFile(${JSON.stringify(counter)}, 'utf8'));
            await new Promise((r) => setTimeout(r, 2));
            await fs.writeFile(${JSON.stringify(counter)}, String(value + 1));
          });
        }
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    await Promise.all(Array.from({ length: 3 }, () => run(process.execPath, ['-e', script])));
    assert.equal(await fs.readFile(counter, 'utf8'), '30');
  });
});
