// A hostile local process: swaps a folder for a symbolic link to another folder and back, over and over, in a
// child process of its own (so it races the pull for real, not between its awaits). Seeded: how long each state
// lasts (in spins, not time) is a function of the seed. The folder is always a real folder again after `stop`.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createRandom } from './tree';

type FromChild = { ready: true } | { swaps: number } | { stopped: number };

export class FolderSwapper {
  private swaps = 0;
  private readonly waiters: { swaps: number; resolve: () => void }[] = [];
  private stopped?: (swaps: number) => void;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromChild) => {
      if ('swaps' in message) {
        this.swaps = message.swaps;
        for (const waiter of this.waiters.filter((w) => w.swaps <= this.swaps)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      if ('stopped' in message) this.stopped?.(message.stopped);
    });
  }

  /** Starts the child; it waits for `go` before its first swap. */
  static async start(folder: string, linkTarget: string, seed: number): Promise<FolderSwapper> {
    const child = fork(__filename, [folder, linkTarget, String(seed)], { stdio: 'inherit' });
    const swapper = new FolderSwapper(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the swapper exited early (${code})`)));
    });
    return swapper;
  }

  go(): void {
    this.child.send('go');
  }

  /** Resolves once the child has made `count` swaps since it started. */
  waitForSwaps(count: number): Promise<void> {
    if (this.swaps >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ swaps: count, resolve }));
  }

  /** Stops between two swaps (the folder is real again); resolves with the number of swaps made. */
  stop(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.stopped = resolve;
      // A swapper that failed (its output says why) must fail the run, not hang it.
      if (this.child.exitCode !== null) reject(new Error(`the swapper failed (exit ${this.child.exitCode})`));
      this.child.once('exit', (code) => reject(new Error(`the swapper failed (exit ${code})`)));
      this.child.send('stop');
    });
  }
}

/** The child: `folder` becomes a link to `linkTarget` and back, in batches between which messages are read. */
function runChild(folder: string, linkTarget: string, seed: number): void {
  const random = createRandom(seed);
  const aside = `${folder}.swapped-away`;
  const spin = (turns: number): void => {
    for (let i = 0; i < turns; i++) fs.lstatSync(folder, { throwIfNoEntry: false });
  };
  let swaps = 0;
  let running = false;
  const batch = (): void => {
    if (!running) return;
    for (let i = 0; i < 20; i++) {
      fs.renameSync(folder, aside);
      fs.symlinkSync(linkTarget, folder);
      swaps++;
      spin(Math.floor(random() * 40));
      fs.unlinkSync(folder);
      fs.renameSync(aside, folder);
      spin(Math.floor(random() * 40));
    }
    process.send!({ swaps });
    setImmediate(batch);
  };
  process.on('message', (message) => {
    if (message === 'go' && !running) {
      running = true;
      batch();
    } else if (message === 'stop') {
      running = false;
      process.send!({ stopped: swaps }, () => process.exit(0));
    }
  });
  process.send!({ ready: true });
}

if (require.main === module) runChild(process.argv[2], process.argv[3], Number(process.argv[4]));
