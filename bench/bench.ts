// `npm run bench`: builds the corpora, runs every suite, prints the summary and writes bench/results*.md/json.
// Exit 0 whatever the targets say (the bench reports, it does not gate); exit 1 if a run failed or produced
// wrong output.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { idForPath } from '../src/emulator/index';
import type { BenchContext } from './context';
import { corporaPaths, ensureCorpus, type Corpus } from './corpora';
import { benchProfile, type CorpusSpec } from './corpusSpecs';
import { cappedSuite, e2eSuite } from './e2eSuite';
import { startEmulatorProcess, warmEmulator, type EmulatorProcess } from './emulatorProcess';
import { describeEnvironment, ensureTools, loadAverage } from './environment';
import { extensionSize } from './extensionSize';
import { extractSuite } from './extractSuite';
import { memorySuite } from './memorySuite';
import { cappedRow, overLimitRow, walkRow } from './plannedSuite';
import { parseBenchArgs } from './options';
import { renderMarkdown, renderSummary } from './report';
import type { BenchResults } from './results';
import { evaluateTargets } from './targets';
import { snapshotBuild } from './snapshot';
import { treeSuite } from './treeSuite';
import { CROSSOVER_KS, crossover } from './updateCrossover';
import { renameCorpusSpec, updateRow } from './updateSuite';

/** Box caps a ZIP at 10,000 files; the tiny corpus has 20,000, so the cap is lifted for both contenders alike. */
const EMULATOR_FLAGS = ['--max-zip-files', '1000000'];

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<number> {
  const options = parseBenchArgs(process.argv.slice(2));
  const projectDir = path.resolve(__dirname, '..', '..');
  const corporaDir = path.join(projectDir, 'bench', 'corpora');
  const profile = benchProfile(options.quick);
  ensureTools(log);
  if (os.loadavg()[0] > os.availableParallelism()) {
    log(
      `Load average ${loadAverage()} on ${os.availableParallelism()} cores: other work will skew the timings.`,
    );
  }

  await fs.mkdir(corporaDir, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(corporaDir, 'work-'));
  const snapshot = await snapshotBuild(projectDir, workDir);
  const want = (suite: string) => (options.suites as string[]).includes(suite);
  const results: BenchResults = {
    mode: options.quick ? 'quick' : 'full',
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    environment: { ...describeEnvironment(), revision: snapshot.revision },
    runs: options.runs,
    extract: [],
    e2e: [],
    capped: [],
    memory: [],
    targets: [],
    failures: [],
  };
  const ctx: BenchContext = {
    projectDir,
    corporaDir,
    workDir,
    runs: options.runs,
    warmup: !options.quick,
    quick: options.quick,
    profile,
    snapshot,
    log,
    recordFailure: (message) => results.failures.push(message),
  };
  const attempt = async (suite: string, work: () => Promise<void>) => {
    if (!want(suite)) return;
    log(`Suite ${suite}`);
    try {
      await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`Suite ${suite} FAILED: ${message}`);
      results.failures.push(`${suite}: ${message}`);
    }
  };

  try {
    const build = (specs: CorpusSpec[]) =>
      Promise.all(specs.map((spec) => ensureCorpus(corporaDir, spec, log)));
    const treesDir = corporaPaths(corporaDir).trees;
    const extractCorpora: Corpus[] = want('extract') || want('e2e') ? await build(profile.extract) : [];

    // First: dist/ is as this run's `npm run build` left it.
    await attempt('extension', async () => {
      results.extension = await extensionSize(projectDir);
    });
    await attempt('extract', async () => {
      results.extract = await extractSuite(ctx, extractCorpora);
    });
    await attempt('e2e', async () => {
      await withEmulator(ctx, treesDir, EMULATOR_FLAGS, extractCorpora, async (emulator) => {
        results.e2e = await e2eSuite(ctx, emulator, extractCorpora);
      });
      const capped = extractCorpora.find((corpus) => corpus.spec === profile.capped)!;
      const cap = ['--bytes-per-second', String(profile.cappedBytesPerSecond)];
      await withEmulator(ctx, treesDir, [...EMULATOR_FLAGS, ...cap], [capped], async (emulator) => {
        results.capped = [await cappedSuite(ctx, emulator, capped)];
        results.cappedBytesPerSecond = profile.cappedBytesPerSecond;
      });
    });
    await attempt('memory', async () => {
      const corpora = await build(profile.memory);
      await withEmulator(ctx, treesDir, EMULATOR_FLAGS, corpora, async (emulator) => {
        results.memory = await memorySuite(ctx, emulator, corpora);
      });
    });
    await attempt('tree', async () => {
      results.tree = await treeSuite(ctx, treesDir, await ensureCorpus(corporaDir, profile.tree, log));
    });
    await attempt('planned', async () => {
      const planned = profile.planned;
      const rows = options.plannedRows;
      results.planned = {};
      if (rows.includes('overlimit')) {
        const corpus = await ensureCorpus(corporaDir, planned.overLimit, log);
        const row = await overLimitRow(ctx, treesDir, corpus, planned.maxZipFiles);
        results.planned.overLimit = { ...row, maxZipFiles: planned.maxZipFiles };
      }
      if (rows.includes('capped') && planned.capped) {
        const corpus = await ensureCorpus(corporaDir, planned.capped, log);
        results.planned.capped = await cappedRow(ctx, treesDir, corpus, planned.bytesPerSecond);
      } else if (rows.includes('capped')) {
        log('  capped streams: full mode only (quick corpora stay under the size that splits a pull)');
      }
      if (rows.includes('walk')) {
        const corpus = await ensureCorpus(corporaDir, planned.walk, log);
        results.planned.walk = await walkRow(ctx, treesDir, corpus, planned.latencyMs);
      }
    });
    await attempt('updates', async () => {
      const updates: NonNullable<BenchResults['updates']> = (results.updates = { rows: [] });
      const files = await ensureCorpus(corporaDir, profile.planned.overLimit, log);
      for (const row of options.updateRows) {
        if (row === 'crossover') continue;
        const corpus =
          row === 'rename' ? await ensureCorpus(corporaDir, renameCorpusSpec(ctx.quick), log) : files;
        updates.rows.push(await updateRow(ctx, row, corpus));
      }
      if (options.updateRows.includes('crossover')) {
        const big = await ensureCorpus(corporaDir, renameCorpusSpec(ctx.quick), log);
        const bigFiles = big.spec.groups[0];
        await crossover(
          ctx,
          [
            { mix: `${files.spec.label} of 1–8 KB`, corpus: files, under: '', ks: CROSSOVER_KS },
            {
              mix: `files of ${bigFiles.maxBytes / 1024 / 1024} MB`,
              corpus: big,
              under: `${bigFiles.prefix}/`,
              ks: CROSSOVER_KS.filter((k) => k <= bigFiles.count),
            },
          ],
          (updates.crossover = []),
        );
      }
    });
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }

  results.environment.loadAtEnd = loadAverage();
  results.targets = evaluateTargets(results);
  const base = `results${options.quick ? '-quick' : ''}${options.complete ? '' : '-partial'}`;
  await writeFormatted(path.join(projectDir, 'bench', `${base}.md`), renderMarkdown(results), 'markdown');
  await writeFormatted(path.join(projectDir, 'bench', `${base}.json`), JSON.stringify(results), 'json');
  process.stdout.write(`\n${renderSummary(results)}\n\nWritten to bench/${base}.md and bench/${base}.json\n`);
  return results.failures.length > 0 ? 1 : 0;
}

async function withEmulator(
  ctx: BenchContext,
  root: string,
  flags: string[],
  corpora: Corpus[],
  work: (emulator: EmulatorProcess) => Promise<void>,
): Promise<void> {
  const emulator = await startEmulatorProcess(ctx.snapshot.emulator, root, flags);
  try {
    await warmEmulator(
      emulator,
      corpora.map((corpus) => idForPath(corpus.spec.name)),
    );
    await work(emulator);
  } finally {
    await emulator.stop();
  }
}

/** Formatted with the project's Prettier settings, so `npm run lint` accepts the generated files. */
async function writeFormatted(file: string, text: string, parser: 'markdown' | 'json'): Promise<void> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  await fs.writeFile(file, await prettier.format(text, { ...config, parser }));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
