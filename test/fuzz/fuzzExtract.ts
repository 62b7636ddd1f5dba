// `npm run fuzz [-- --cases N] [--seed S] [--timeout-ms T] [--races N] [--signals N]`: generates N hostile archives
// (default 10,000) with fast-check, extracts and places each one in a sandbox, and checks the properties in
// extractionProperties.ts. Prints the cases run, what the extractor answered, and every failure; a failing archive
// is saved under out/fuzz-failures/ so it can be replayed. Then races and signals against placing
// (fuzzPlacing.ts; 0 skips a part). Exits 1 if any property broke.
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildArchive, fuzzCaseArbitrary, type FuzzCase } from './archiveCases';
import { FuzzSandbox, openDescriptors, PropertyViolation } from './extractionProperties';
import { fuzzPlacing } from './fuzzPlacing';

const CHUNK = 250;
const FAILURES_DIR = path.resolve(__dirname, '../../fuzz-failures');

interface Failure {
  index: number;
  message: string;
  file?: string;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      'timeout-ms': { type: 'string', default: '10000' },
      races: { type: 'string', default: '200' },
      signals: { type: 'string', default: '200' },
    },
  });
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed) || !(timeoutMs > 0)) {
    process.stderr.write('usage: fuzzExtract [--cases N] [--seed S] [--timeout-ms T]\n');
    return 2;
  }

  // A crash anywhere (an unhandled rejection in a stream callback, say) is a failure of the running case.
  const stray: string[] = [];
  process.on('uncaughtException', (error) => stray.push(`uncaught exception: ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => stray.push(`unhandled rejection: ${String(error)}`));

  // The first write to a piped stdout makes libuv open a reserve descriptor for good: do it before counting.
  process.stdout.write(`Fuzzing extractZip + placeFiles with ${cases} cases (seed ${seed})\n`);
  const sandbox = await FuzzSandbox.create();
  const outcomes = new Map<string, number>();
  const failures: Failure[] = [];
  const started = Date.now();
  const descriptorsAtStart = openDescriptors();
  let run = 0;
  try {
    for (let chunk = 0; run < cases; chunk++) {
      const batch = fc.sample(fuzzCaseArbitrary, {
        seed: seed + chunk,
        numRuns: Math.min(CHUNK, cases - run),
      });
      for (const testCase of batch) {
        const index = run++;
        let archive: Buffer | undefined;
        try {
          archive = await buildArchive(testCase);
          const result = await sandbox.run(testCase, archive, timeoutMs);
          const key = result.outcome === 'extracted' ? 'extracted' : `rejected: ${result.code}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          if (stray.length > 0) throw new PropertyViolation('crash', stray.splice(0).join('; '));
        } catch (error) {
          failures.push(await recordFailure(index, testCase, archive, error));
        }
        if (run % 1000 === 0) {
          process.stdout.write(
            `  ${run} cases, ${failures.length} failures, ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
        }
      }
    }
  } finally {
    await sandbox.close();
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\nCases run: ${run} in ${seconds} s\n`);
  for (const [key, count] of [...outcomes].sort((a, b) => b[1] - a[1])) {
    process.stdout.write(`  ${String(count).padStart(6)}  ${key}\n`);
  }
  const descriptorsAtEnd = openDescriptors();
  process.stdout.write(
    `  open descriptors: ${descriptorsAtStart} at start, ${descriptorsAtEnd} at the end\n`,
  );
  if (descriptorsAtEnd > descriptorsAtStart) {
    failures.push({
      index: -1,
      message: `fd_leak: ${descriptorsAtEnd - descriptorsAtStart} descriptors over the run`,
    });
  }
  process.stdout.write(`Failures: ${failures.length}\n`);
  for (const failure of failures.slice(0, 50)) {
    process.stdout.write(
      `  case ${failure.index}: ${failure.message}${failure.file ? ` (${failure.file})` : ''}\n`,
    );
  }
  const placingFailures = await fuzzPlacing({
    races: Number(values.races),
    signals: Number(values.signals),
    seed,
  });
  return failures.length === 0 && placingFailures === 0 ? 0 : 1;
}

async function recordFailure(
  index: number,
  testCase: FuzzCase,
  archive: Buffer | undefined,
  error: unknown,
): Promise<Failure> {
  const message = error instanceof Error ? error.message : String(error);
  if (archive === undefined) return { index, message: `could not build the case: ${message}` };
  await fs.mkdir(FAILURES_DIR, { recursive: true });
  const file = path.join(FAILURES_DIR, `case-${index}.zip`);
  await fs.writeFile(file, archive);
  const options = { ...testCase, entries: testCase.entries.length, mutations: testCase.mutations };
  await fs.writeFile(`${file}.json`, JSON.stringify({ message, options }, null, 2));
  return { index, message, file };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `fuzzExtract: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
