// Peak RSS and temporary disk of `box-pull pull` at two archive sizes of the same shape. Flat memory means the
// archive streams to disk and entries stream out of it; temporary disk must stay within archive + extracted size.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Contender } from './alternate';
import { alternate } from './alternate';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import { idForPath } from '../src/emulator/index';
import { createZipDownloadUrl, type EmulatorProcess } from './emulatorProcess';
import { mb } from './format';
import { pullContender } from './e2eSuite';
import type { MemoryResult } from './results';

/** Issue #15: peak RSS of a pull on every corpus, the 2 GB archive included (it was 150 MB before). */
export const MEMORY_LIMIT_MB = 120;

export async function memorySuite(
  ctx: BenchContext,
  emulator: EmulatorProcess,
  corpora: Corpus[],
): Promise<MemoryResult[]> {
  const contenders: Contender[] = [];
  const archiveSizes: number[] = [];
  for (const corpus of corpora) {
    archiveSizes.push(await emulatorArchiveBytes(emulator, corpus));
    const pull = pullContender(ctx, emulator, corpus);
    contenders.push({
      ...pull,
      name: `pull ${corpus.spec.label}`,
      measureDisk: true,
      // Any temporary file the CLI makes lands in the measured folder.
      invocation: async (runDir) => {
        const invocation = await pull.invocation(runDir);
        const tmp = path.join(runDir, 'tmp');
        await fs.mkdir(tmp);
        return { ...invocation, env: { ...invocation.env, TMPDIR: tmp } };
      },
    });
    ctx.log(`  memory ${corpus.spec.label}: ${corpus.fileCount} files, archive ${mb(archiveSizes.at(-1)!)}`);
  }
  const samples = await alternate(contenders, {
    runs: ctx.runs,
    workDir: ctx.workDir,
    warmup: false,
    log: ctx.log,
    onFailure: ctx.recordFailure,
  });
  return corpora.map((corpus, index) => ({
    corpus: corpus.spec.name,
    label: corpus.spec.label,
    files: corpus.fileCount,
    totalBytes: corpus.totalBytes,
    allocatedBytes: corpus.allocatedBytes,
    archiveBytes: archiveSizes[index],
    samples: samples[index],
  }));
}

/** Size of the ZIP the emulator streams for the folder, counted once in memory (not timed, nothing on disk). */
async function emulatorArchiveBytes(emulator: EmulatorProcess, corpus: Corpus): Promise<number> {
  const url = await createZipDownloadUrl(emulator, idForPath(corpus.spec.name));
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`The ZIP download answered ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).length;
  return bytes;
}
