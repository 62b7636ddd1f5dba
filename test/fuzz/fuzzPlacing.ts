// `npm run fuzz` (after the archives), or `node out/test/fuzz/fuzzPlacing.js [--races N] [--signals N] [--seed S]`:
// races a folder swapper against placing (placingScenarios.ts) and sends signals at random points of placing to
// the real CLI (placingSignals.ts), many seeds each. Prints the counts (races run, swaps, signals sent, where they
// landed, files lost) and every failure. Exits 1 if anything outside the destination changed, a destination did
// not end as it was (or as pulled), or a file was lost. Needs dist/cli.js (npm run build).
import { parseArgs } from 'node:util';
import { addRacedFolder, raceSwapper } from './placingScenarios';
import { PLACING_SIGNALS, signalDuringPlacing, startSignalContext } from './placingSignals';
import { startFixture } from '../unit/reliability/support';

export interface PlacingFuzzOptions {
  races: number;
  signals: number;
  seed: number;
}

/** Runs both parts; resolves with the number of failures (each already printed). */
export async function fuzzPlacing({ races, signals, seed }: PlacingFuzzOptions): Promise<number> {
  const failures: string[] = [];
  const started = Date.now();

  process.stdout.write(`\nRacing a folder swapper against placing: ${races} races (seed ${seed})\n`);
  const fixture = await startFixture({ seed: 7, tree: { files: 10 } });
  let swaps = 0;
  let blocked = 0;
  let lost = 0;
  let racesRun = 0;
  try {
    await addRacedFolder(fixture);
    for (let index = 0; index < races; index++) {
      const mode = index % 2 === 0 ? 'overwrite' : 'ask';
      const outcome = await raceSwapper(fixture, seed + index, mode);
      racesRun++;
      swaps += outcome.swaps;
      blocked += outcome.blocked;
      lost += outcome.lost.length;
      if (outcome.outsideChanged.length > 0 || outcome.lost.length > 0) {
        failures.push(
          `race ${index} (${mode}): outside ${outcome.outsideChanged.slice(0, 5).join(', ')}; lost ${outcome.lost.join(', ')}`,
        );
      }
    }
  } finally {
    await fixture.close();
  }
  process.stdout.write(
    `  races run: ${racesRun}, swaps made: ${swaps}, files refused (blocked): ${blocked}, files lost: ${lost}\n`,
  );

  process.stdout.write(`\nSignals at random points of placing: ${signals} runs of the CLI\n`);
  const context = await startSignalContext();
  const landed = new Map<string, number>();
  let sent = 0;
  let filesLost = 0;
  try {
    for (let index = 0; index < signals; index++) {
      const signal = PLACING_SIGNALS[index % PLACING_SIGNALS.length];
      const outcome = await signalDuringPlacing(context, seed + index, signal);
      sent++;
      filesLost += outcome.lost;
      const key = `${signal} ${outcome.result}${outcome.midMoves ? ' (landed mid-moves)' : ''}`;
      landed.set(key, (landed.get(key) ?? 0) + 1);
      if (outcome.result === 'broken' || outcome.lost > 0)
        failures.push(`signal run ${index} (${signal}): ${outcome.differences.join('; ')}`);
    }
  } finally {
    await context.close();
  }
  process.stdout.write(`  signals sent: ${sent}, files lost: ${filesLost}\n`);
  for (const [key, count] of [...landed].sort())
    process.stdout.write(`  ${String(count).padStart(6)}  ${key}\n`);

  process.stdout.write(`\n${Math.round((Date.now() - started) / 1000)} s. Failures: ${failures.length}\n`);
  for (const failure of failures.slice(0, 50)) process.stdout.write(`  ${failure}\n`);
  return failures.length;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      races: { type: 'string', default: '200' },
      signals: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
    },
  });
  const options = { races: Number(values.races), signals: Number(values.signals), seed: Number(values.seed) };
  if (!Object.values(options).every((value) => Number.isSafeInteger(value) && value >= 0)) {
    process.stderr.write('usage: fuzzPlacing [--races N] [--signals N] [--seed S]\n');
    return 2;
  }
  return (await fuzzPlacing(options)) === 0 ? 0 : 1;
}

if (require.main === module)
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(
        `fuzzPlacing: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
