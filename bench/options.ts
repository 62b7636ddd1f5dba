// Command-line flags of `npm run bench -- [--quick] [--runs N] [--only extract|e2e|memory|tree|extension]`.
import { parseArgs } from 'node:util';

export const SUITES = ['extract', 'e2e', 'memory', 'tree', 'extension'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchOptions {
  quick: boolean;
  runs: number;
  suites: SuiteName[];
  /** False when --only left some suites out: the results go to a "-partial" file then. */
  complete: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--runs N] [--only ${SUITES.join('|')}]...

  --quick         small corpora, 3 runs each: under a minute; writes bench/results-quick.md
  --runs N        timed runs per command (default 5, quick 3), alternating ours and the baseline
  --only SUITE    run only this suite (repeatable or comma-separated); writes *-partial.md`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const runs = values.runs === undefined ? (values.quick ? 3 : 5) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs needs a positive integer, got "${values.runs}"`);
  const only = (values.only ?? []).flatMap((value) => value.split(',')).map((value) => value.trim());
  for (const name of only) {
    if (!(SUITES as readonly string[]).includes(name)) throw new Error(`--only: unknown suite "${name}"`);
  }
  const suites = only.length > 0 ? SUITES.filter((suite) => only.includes(suite)) : [...SUITES];
  return { quick: values.quick, runs, suites, complete: suites.length === SUITES.length };
}
