import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createFileLock, withFileLock, type FileLockOptions } from '../../../src/core/auth/fileLock';
import { ManualClock } from '../../helpers/clock';
import { LockTimeoutError } from '../../../src/core/errors';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Holder {
  /** Resolves once the holder is inside the lock. */
  entered: Promise<void>;
  /** Lets the holder leave. */
  release(): void;
  /** Settles when the holder has left and released the lock. */
  done: Promise<void>;
}

function holdLock(lockPath: string, options?: FileLockOptions): Holder {
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const done = withFileLock(
    lockPath,
    () =>
      new Promise<void>((resolve) => {
        release = resolve;
        entered();
      }),
    options,
  );
  return { entered: inside, release: () => release(), done };
}

/** What a lock call under `clock` does next: settle, or go back to waiting (`sleepers` sleeps in progress). */
function nextStep(
  call: Promise<unknown>,
  clock: ManualClock,
  sleepers: number,
): Promise<'settled' | 'waiting'> {
  return Promise.race([
    call.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    clock.whenSleeping(sleepers).then(() => 'waiting' as const),
  ]);
}

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

  it('gives up with LockTimeoutError at timeoutMs while a live holder keeps the lock, not before', async () => {
    const holder = holdLock(lockPath);
    await holder.entered;
    const clock = new ManualClock();
    const waiting = withFileLock(lockPath, async () => 'never', { timeoutMs: 1000, clock });
    await clock.whenSleeping(1);
    clock.advance(999);
    assert.equal(await nextStep(waiting, clock, 1), 'waiting', 'gave up before timeoutMs');
    clock.advance(100); // past the next attempt (at most 100 ms away), which is past timeoutMs
    assert.equal(await nextStep(waiting, clock, 1), 'settled', 'still waiting after timeoutMs');
    await assert.rejects(waiting, (error: unknown) => error instanceof LockTimeoutError);
    holder.release();
    await holder.done;
  });

  it('keeps a long-running holder fresh so it is never judged stale', async () => {
    // Both sides on one clock moved by hand: ten steps of 10 s (the heartbeat's period for staleMs 30 s) take the
    // holder far past staleMs without any real waiting.
    const clock = new ManualClock();
    const options = { staleMs: 30_000, timeoutMs: 3_600_000, clock };
    const holder = holdLock(lockPath, options);
    await holder.entered;
    let secondRan = false;
    const second = withFileLock(lockPath, async () => (secondRan = true), options);
    await clock.whenSleeping(2); // the holder's heartbeat, and the second caller between two attempts
    for (let step = 1; step <= 10; step++) {
      clock.advance(10_000);
      const next = await nextStep(second, clock, 2);
      assert.ok(next === 'waiting' && !secondRan, `the lock was taken over after ${step * 10} s`);
    }
    assert.equal(secondRan, false);
    holder.release();
    await holder.done;
    clock.advance(100); // the second caller's next attempt
    await second;
    assert.equal(secondRan, true);
  });

  it('stops waiting on abort', async () => {
    const holder = holdLock(lockPath);
    await holder.entered;
    const clock = new ManualClock();
    const controller = new AbortController();
    const waiting = withFileLock(lockPath, async () => 'never', { signal: controller.signal, clock });
    await clock.whenSleeping(1); // between two attempts: the abort must cut the wait short
    controller.abort(new Error('no longer needed'));
    await assert.rejects(waiting, /no longer needed/);
    holder.release();
    await holder.done;
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
