// A signal at a random point of placing, sent to the real CLI (dist/cli.js) pulling with `--on-conflict overwrite`
// into a destination that holds user files, some under Box's names. After SIGINT, SIGTERM or SIGHUP the CLI must
// undo itself; after SIGKILL the next pull's clean-up (removeAbandonedStagingDirs) must. Either way the destination
// ends byte for byte as it was, or, when the signal came after the last move, byte for byte as pulled.
import { spawn } from 'node:child_process';
import { promises as fs, watch as watchFs } from 'node:fs';
import * as path from 'node:path';
import { removeAbandonedStagingDirs } from '../../src/core/place/staging';
import { diffTrees } from '../helpers/compareTrees';
import { createRandom } from '../helpers/tree';
import { CLI, watch } from '../unit/cli/support';
import {
  plantUserFiles,
  sourceFiles,
  startFixture,
  temporaryLeftovers,
  type Fixture,
} from '../unit/reliability/support';

export const PLACING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const;
export type PlacingSignal = (typeof PLACING_SIGNALS)[number];

export interface SignalContext {
  fixture: Fixture;
  close(): Promise<void>;
}

export interface SignalOutcome {
  /** `restored`: as it was; `pulled`: the signal came after the last move; `broken`: anything else (a failure). */
  result: 'restored' | 'pulled' | 'broken';
  exitCode: number | null;
  /** What differs from the expected state, for `broken`. */
  differences: string[];
  /** User files whose bytes are gone (neither as they were nor replaced by a finished pull). */
  lost: number;
  /** The signal landed while files were being moved (some had moved and were taken back). */
  midMoves: boolean;
}

const FILES = 400;

export async function startSignalContext(): Promise<SignalContext> {
  const fixture = await startFixture({ seed: 23, tree: { files: FILES, maxDepth: 2, maxSize: 4_000 } });
  return { fixture, close: () => fixture.close() };
}

/** One run: plant user files, pull, send `signal` at a seeded random point of placing, check the end state. */
export async function signalDuringPlacing(
  context: SignalContext,
  seed: number,
  signal: PlacingSignal,
): Promise<SignalOutcome> {
  const { fixture } = context;
  const random = createRandom(seed);
  const base = path.join(fixture.sandbox, `signal-${signal}-${seed}`);
  const destination = path.join(base, 'dest');
  const names = await sourceFiles(fixture);
  await plantUserFiles(destination, {
    'my notes.txt': 'mine',
    ...Object.fromEntries(names.filter(() => random() < 0.3).map((name) => [name, `my version of ${name}`])),
  });
  // The two acceptable end states, as trees on disk for diffTrees.
  const asItWas = path.join(base, 'as-it-was');
  const asPulled = path.join(base, 'as-pulled');
  await fs.cp(destination, asItWas, { recursive: true });
  await fs.cp(destination, asPulled, { recursive: true });
  await fs.cp(fixture.source, asPulled, { recursive: true, force: true });

  // The signal goes at the k-th file that appears in the destination's top folder (only placing puts any there):
  // an event of the file system (inotify), not a timer, so it lands while files move however busy the machine is.
  const k = 1 + Math.floor(random() * 8);
  let seen = 0;
  // Attached right after the spawn: the CLI needs far longer than that to reach placing.
  const run = runCli(context, destination);
  const watcher = watchFs(destination, (_event, name) => {
    if (String(name).startsWith('.box-pull') || ++seen !== k) return;
    run.child.kill(signal);
  });
  const exitCode = await run.exited;
  watcher.close();
  // What a SIGKILL left: the moves it had made, to be undone by the next pull's clean-up.
  const journal = signal === 'SIGKILL' ? await killedMidMoves(destination) : false;
  if (signal === 'SIGKILL') await removeAbandonedStagingDirs(destination);

  const leftovers = await temporaryLeftovers(destination);
  const fromBefore = await diffTrees(asItWas, destination);
  const fromPulled = await diffTrees(asPulled, destination);
  const output = run.output();
  let result: SignalOutcome['result'] = 'broken';
  const differences = [...leftovers.map((name) => `left behind: ${name}`)];
  if (leftovers.length === 0 && fromBefore.length === 0) {
    // Said so, for a cancel the CLI saw.
    if (exitCode === 130 && !output.includes('The destination is as it was.'))
      differences.push(`exit 130 without the honest message: ${output.slice(-300)}`);
    else result = 'restored';
  } else if (leftovers.length === 0 && fromPulled.length === 0) {
    result = 'pulled';
  } else {
    differences.push(...(fromBefore.length <= fromPulled.length ? fromBefore : fromPulled).slice(0, 10));
  }
  const lost = fromBefore.filter((line) => /^(missing file|content differs)/.test(line)).length;
  await fs.rm(base, { recursive: true, force: true });
  return {
    result,
    exitCode,
    differences,
    lost: result === 'pulled' ? 0 : lost,
    midMoves: result === 'restored' && (journal || /"filesUndone":[1-9]/.test(output)),
  };
}

/** A killed pull's staging folder whose journal shows files added and no end: the kill came mid-moves. */
async function killedMidMoves(destination: string): Promise<boolean> {
  for (const name of await fs.readdir(destination)) {
    if (!name.startsWith('.box-pull-staging-')) continue;
    const journal = await fs.readFile(path.join(destination, name, 'journal.jsonl'), 'utf8').catch(() => '');
    if (journal.includes('"op":"add"') && !journal.includes('"op":"done"')) return true;
  }
  return false;
}

interface CliRun {
  child: ReturnType<typeof spawn>;
  output: () => string;
  exited: Promise<number | null>;
}

function runCli(context: SignalContext, destination: string): CliRun {
  const { emulator, folderId } = context.fixture;
  const child = spawn(
    process.execPath,
    [
      CLI,
      'pull',
      folderId,
      '--dest',
      destination,
      '--api-url',
      emulator.baseUrl,
      '--token',
      emulator.token,
    ].concat(['--on-conflict', 'overwrite', '--json']),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const watched = watch(child);
  return { child, output: watched.output, exited: watched.exitCode };
}
