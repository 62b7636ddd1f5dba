// Extraction alone: the project's extractor (yauzl) against Info-ZIP `unzip` on the same Info-ZIP archive.
import * as path from 'node:path';
import { alternate, type Contender } from './alternate';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import { compare, type Comparison } from './results';
import { checkTree } from './checkTree';
import { mb } from './format';

/** Targets from the issue: (a)–(c) at most as slow as unzip, (d) tiny files within 1.3×. */
export const EXTRACT_LIMITS: Record<string, number> = {
  '(a) text': 1.0,
  '(b) binary': 1.0,
  '(c) mixed': 1.0,
  '(d) tiny': 1.3,
};

export async function extractSuite(ctx: BenchContext, corpora: Corpus[]): Promise<Comparison[]> {
  const worker = ctx.snapshot.extractWorker;
  const comparisons: Comparison[] = [];
  for (const corpus of corpora) {
    const zipPath = corpus.zipPath!;
    ctx.log(`  extract ${corpus.spec.label}: ${corpus.fileCount} files, archive ${mb(corpus.zipBytes ?? 0)}`);
    // Both write `<runDir>/out/<corpus name>/...`: the archive keeps its top-level folder.
    const verify = (runDir: string, thorough: boolean) =>
      checkTree(corpus, path.join(runDir, 'out', corpus.spec.name), thorough);
    const ours: Contender = {
      name: 'yauzl extractor',
      invocation: async (runDir) => ({
        command: process.execPath,
        args: [worker, zipPath, path.join(runDir, 'out')],
      }),
      verify,
    };
    const unzip: Contender = {
      name: 'unzip',
      invocation: async (runDir) => ({
        command: 'unzip',
        args: ['-q', zipPath, '-d', path.join(runDir, 'out')],
      }),
      verify,
    };
    const [oursSamples, unzipSamples] = await alternate([ours, unzip], {
      runs: ctx.runs,
      workDir: ctx.workDir,
      warmup: ctx.warmup,
      log: ctx.log,
      onFailure: ctx.recordFailure,
    });
    comparisons.push(
      compare(
        {
          name: corpus.spec.name,
          label: corpus.spec.label,
          files: corpus.fileCount,
          totalBytes: corpus.totalBytes,
          archiveBytes: corpus.zipBytes,
        },
        { name: ours.name, samples: oursSamples },
        { name: unzip.name, samples: unzipSamples },
        EXTRACT_LIMITS[corpus.spec.label] ?? 1.0,
      ),
    );
  }
  return comparisons;
}
