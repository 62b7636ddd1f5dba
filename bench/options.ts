// Command-line flags of `npm run bench -- [--quick] [--runs N] [--only SUITE] [--row ROW]`.
import { parseArgs } from 'node:util';

export const SUITES = ['extract', 'e2e', 'memory', 'tree', 'planned', 'updates', 'extension'] as const;
/** Rows of the planned suite (plannedSuite.ts), for --row. */
export const PLANNED_ROWS = ['overlimit', 'capped', 'walk'] as const;
export type PlannedRow = (typeof PLANNED_ROWS)[number];
/** Rows of the updates suite (updateSuite.ts, updateCrossover.ts), for --row. */
export const UPDATE_ROWS = ['nothing', 'one-percent', 'twenty-percent', 'rename', 'crossover'] as const;
export type UpdateRow = (typeof UPDATE_ROWS)[number];
export type SuiteName = (typeof SUITES)[number];

export interface BenchOptions {
  quick: boolean;
  runs: number;
  suites: SuiteName[];
  /** Rows of the planned suite to run (--row); all by default. */
  plannedRows: PlannedRow[];
  /** Rows of the updates suite to run (--row); all by default. */
  updateRows: UpdateRow[];
  /** False when --only left some suites out: the results go to a "-partial" file then. */
  complete: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--runs N] [--only ${SUITES.join('|')}]...

  --quick         small corpora, 3 runs each: under a minute; writes bench/results-quick.md
  --runs N        timed runs per command (default 5, quick 3), alternating ours and the baseline
  --only SUITE    run only this suite (repeatable or comma-separated); writes *-partial.md
  --row ROW       planned suite: only this row (${PLANNED_ROWS.join('|')}; repeatable); implies --only planned
                  updates suite: ${UPDATE_ROWS.join('|')}; implies --only updates`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string', multiple: true },
      row: { type: 'string', multiple: true },
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
  const rows = (values.row ?? []).flatMap((value) => value.split(',')).map((value) => value.trim());
  const isPlanned = (row: string) => (PLANNED_ROWS as readonly string[]).includes(row);
  const isUpdate = (row: string) => (UPDATE_ROWS as readonly string[]).includes(row);
  for (const row of rows) {
    if (!isPlanned(row) && !isUpdate(row)) throw new Error(`--row: unknown row "${row}"`);
  }
  const only = (values.only ?? []).flatMap((value) => value.split(',')).map((value) => value.trim());
  if (rows.some(isPlanned) && !only.includes('planned')) only.push('planned');
  if (rows.some(isUpdate) && !only.includes('updates')) only.push('updates');
  for (const name of only) {
    if (!(SUITES as readonly string[]).includes(name)) throw new Error(`--only: unknown suite "${name}"`);
  }
  const suites = only.length > 0 ? SUITES.filter((suite) => only.includes(suite)) : [...SUITES];
  return {
    quick: values.quick,
    runs,
    suites,
    plannedRows: rows.some(isPlanned) ? PLANNED_ROWS.filter((row) => rows.includes(row)) : [...PLANNED_ROWS],
    updateRows: rows.some(isUpdate) ? UPDATE_ROWS.filter((row) => rows.includes(row)) : [...UPDATE_ROWS],
    complete: suites.length === SUITES.length && rows.length === 0,
  };
}
