// End to end over loopback: `box-pull pull` (create, stream, status, extract, move into place) against what a
// person would do by hand, `curl -o a.zip <download_url> && unzip a.zip`, on the same emulator and folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { idForPath } from '../src/emulator/index';
import { timedComparison, type Contender } from './alternate';
import { checkTree } from './checkTree';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import { createZipDownloadUrl, type EmulatorProcess } from './emulatorProcess';
import { mb } from './format';
import type { Comparison } from './results';

export const E2E_LIMIT = 0.9;
export const CAPPED_LIMIT = 1.03;

export async function e2eSuite(
  ctx: BenchContext,
  emulator: EmulatorProcess,
  corpora: Corpus[],
): Promise<Comparison[]> {
  const comparisons: Comparison[] = [];
  for (const corpus of corpora) {
    ctx.log(`  e2e ${corpus.spec.label}: ${corpus.fileCount} files, ${mb(corpus.totalBytes)}`);
    const archive = { bytes: 0 };
    const ours = pullContender(ctx, emulator, corpus);
    const baseline = downloadContender(emulator, corpus, archive, true);
    comparisons.push(
      await timedComparison(ctx, ours, baseline, {
        warmup: ctx.warmup,
        limit: E2E_LIMIT,
        corpus: () => ({ ...describeCorpus(corpus), archiveBytes: archive.bytes }),
      }),
    );
  }
  return comparisons;
}

/** Stretch target: with the stream rate capped, the whole pull against the download alone. */
export async function cappedSuite(
  ctx: BenchContext,
  emulator: EmulatorProcess,
  corpus: Corpus,
): Promise<Comparison> {
  ctx.log(`  capped ${corpus.spec.label} at ${mb(ctx.profile.cappedBytesPerSecond)}/s`);
  const archive = { bytes: 0 };
  const ours = pullContender(ctx, emulator, corpus);
  const baseline = downloadContender(emulator, corpus, archive, false);
  return timedComparison(ctx, ours, baseline, {
    warmup: false,
    limit: CAPPED_LIMIT,
    corpus: () => ({ ...describeCorpus(corpus), archiveBytes: archive.bytes }),
  });
}

/** What a comparison row says of its corpus. */
export function describeCorpus(corpus: Corpus) {
  return {
    name: corpus.spec.name,
    label: corpus.spec.label,
    files: corpus.fileCount,
    totalBytes: corpus.totalBytes,
  };
}

/** `box-pull pull <id> --dest <runDir>/out`: the folder's contents land directly in `out`. */
export function pullContender(ctx: BenchContext, emulator: EmulatorProcess, corpus: Corpus): Contender {
  const cli = ctx.snapshot.cli;
  const folderId = idForPath(corpus.spec.name);
  return {
    name: 'box-pull CLI',
    // The token goes through BOX_TOKEN (which the CLI reads like --token) to keep it out of the process list.
    invocation: async (runDir) => ({
      command: process.execPath,
      args: [cli, 'pull', folderId, '--dest', path.join(runDir, 'out'), '--api-url', emulator.baseUrl],
      // Info lines on stderr (not --quiet, which silences them) carry the time to first file; stdout is ignored.
      env: { BOX_TOKEN: emulator.token, BOX_PULL_LOG: 'info' },
      secrets: [emulator.token],
      readStderr: (stderr) => {
        const match = /First file in staging (\d+) ms after the first byte/.exec(stderr);
        return match ? { firstFileMs: Number(match[1]) } : {};
      },
    }),
    verify: (runDir, thorough) => checkTree(corpus, path.join(runDir, 'out'), thorough),
  };
}

/**
 * `curl -o a.zip "$URL"`, then `unzip` unless only the download is wanted. The single-use URL is made fresh for
 * each run (not timed) and passed through the environment, so it never appears in a command line or a log.
 */
export function downloadContender(
  emulator: EmulatorProcess,
  corpus: Corpus,
  archive: { bytes: number },
  extract: boolean,
): Contender {
  // -f: an HTTP error fails the run instead of saving an error page as a.zip.
  const download = 'curl -fsS -o a.zip "$URL"';
  const script = extract ? `${download} && unzip -q a.zip -d out` : download;
  return {
    name: extract ? 'curl + unzip' : 'curl',
    invocation: async (runDir) => {
      const url = await createZipDownloadUrl(emulator, idForPath(corpus.spec.name));
      return {
        command: 'sh',
        args: ['-c', script],
        cwd: runDir,
        env: { URL: url },
        secrets: [url, emulator.token],
      };
    },
    verify: async (runDir, thorough) => {
      archive.bytes = await zipSize(path.join(runDir, 'a.zip'));
      if (extract) await checkTree(corpus, path.join(runDir, 'out', corpus.spec.name), thorough);
    },
  };
}

/** Size of a file that must start with a ZIP local header. */
async function zipSize(zipPath: string): Promise<number> {
  const file = await fs.open(zipPath, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4 || buffer.readUInt32LE(0) !== 0x04034b50) throw new Error('a.zip is not a ZIP archive');
    return (await file.stat()).size;
  } finally {
    await file.close();
  }
}
