// Scenarios that race placing, shared by the unit suite (a few seeds) and `npm run fuzz` (many):
// - `raceSwapper`: a separate process swaps a destination folder for a link to an outside folder and back while
//   a real pull (core, against the emulator) places files into it; nothing outside may ever change.
// - `signalDuringPlacing` (placingSignals.ts): a real CLI gets a signal at a random point of placing; the
//   destination must be exactly as it was, or, when the signal came after the last move, exactly as pulled.
import { promises as fs, watch } from 'node:fs';
import * as path from 'node:path';
import { pull, type PullReport } from '../../src/core/pull/pull';
import { readTree, type TreeListing } from '../helpers/compareTrees';
import { FolderSwapper } from '../helpers/folderSwapper';
import { createRandom } from '../helpers/tree';
import { makeClient, plantUserFiles, pullRequest, type Fixture } from '../unit/reliability/support';

/** The folder of the pulled Box folder that the swapper attacks, and how many files Box has in it. */
export const RACED_FOLDER = 'sub';
const RACED_FILES = 120;

/** Adds `sub/` with many small files to the fixture's Box folder (once per fixture). */
export async function addRacedFolder(fixture: Fixture): Promise<void> {
  const folder = path.join(fixture.source, RACED_FOLDER);
  await fs.mkdir(folder, { recursive: true });
  for (let i = 0; i < RACED_FILES; i++)
    await fs.writeFile(path.join(folder, `f${String(i).padStart(3, '0')}.txt`), `from Box ${i}\n`);
}

export interface RaceOutcome {
  swaps: number;
  /** Differences in the outside folder: must be empty. */
  outsideChanged: string[];
  /** User files neither kept nor reported overwritten: must be empty. */
  lost: string[];
  placed: number;
  blocked: number;
}

/**
 * One race: the destination holds `sub/` with half of Box's names as user files; an outside folder holds a file
 * under every name. The swapper starts at the first prompt (`ask`, and keeps going while it waits) or at the first
 * file placed in `sub/` (`overwrite`).
 */
export async function raceSwapper(
  fixture: Fixture,
  seed: number,
  mode: 'overwrite' | 'ask',
): Promise<RaceOutcome> {
  const random = createRandom(seed);
  const run = path.join(fixture.sandbox, `race-${mode}-${seed}`);
  const destination = path.join(run, 'dest');
  const outside = path.join(run, 'outside');
  const names = Array.from({ length: RACED_FILES }, (_, i) => `f${String(i).padStart(3, '0')}.txt`);
  const user = await plantUserFiles(
    destination,
    Object.fromEntries(
      names.filter(() => random() < 0.5).map((name) => [`${RACED_FOLDER}/${name}`, `mine ${name}`]),
    ),
  );
  await plantUserFiles(destination, { [`${RACED_FOLDER}/only mine.txt`]: 'mine' });
  await plantUserFiles(outside, Object.fromEntries(names.map((name) => [name, `outside ${name}`])));
  const outsideBefore = await readTree(outside);

  const swapper = await FolderSwapper.start(path.join(destination, RACED_FOLDER), outside, seed);
  // `overwrite`: the swaps start at the first file that lands in the folder, once the survey is over (a survey that
  // saw the folder missing mid-swap would rightly make a new one, and the swapper could not put the user's back).
  const firstFile = watch(path.join(destination, RACED_FOLDER), () => mode === 'overwrite' && start());
  let started = false;
  const start = (): void => {
    if (!started) swapper.go();
    started = true;
  };
  let report: PullReport;
  let swaps: number;
  try {
    report = await pull(
      pullRequest(fixture, makeClient(fixture), destination, {
        conflictPolicy: mode,

        prompter: {
          decide: async () => {
            // The swap happens while the question waits; the answer then applies to every conflict.
            start();
            await swapper.waitForSwaps(1 + Math.floor(random() * 40));
            return 'overwriteAll';
          },
        },
      }),
    );
  } finally {
    firstFile.close();
    swaps = await swapper.stop();
  }
  const after = await readTree(destination);
  // A user file may hold Box's bytes only when it was overwritten, as asked; otherwise it must be as it was.
  const lost = [...user].filter(
    ([name, bytes]) =>
      !after.files.get(name)?.equals(bytes) && !after.files.get(name)?.toString().startsWith('from Box'),
  );
  return {
    swaps,
    outsideChanged: differences(outsideBefore, await readTree(outside)),
    lost: lost.map(([name]) => name),
    placed: report.filesWritten + report.filesOverwritten,
    blocked: report.blocked.length,
  };
}

function differences(before: TreeListing, after: TreeListing): string[] {
  const found: string[] = [];
  for (const [name, bytes] of before.files)
    if (!after.files.get(name)?.equals(bytes)) found.push(`changed ${name}`);
  for (const name of after.files.keys()) if (!before.files.has(name)) found.push(`created ${name}`);
  for (const name of after.directories) if (!before.directories.has(name)) found.push(`created ${name}/`);
  return found;
}
