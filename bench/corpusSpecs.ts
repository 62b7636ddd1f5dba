// What each corpus holds, for the full and the quick (CI) profile. Changing a spec changes its stamp, so the
// corpus is regenerated on the next run.

export type ContentKind = 'text' | 'random';

export interface FileGroup {
  /** Folder the group's files live under, inside the corpus folder. */
  prefix: string;
  kind: ContentKind;
  count: number;
  minBytes: number;
  maxBytes: number;
  /** Files per leaf folder; the leaves are spread over a second level of ten folders each. 0 = all flat. */
  filesPerFolder: number;
}

export interface CorpusSpec {
  /** Folder name under bench/corpora/trees and the archive's top-level folder. */
  name: string;
  /** Short label for tables, e.g. "(a) text". */
  label: string;
  seed: string;
  groups: FileGroup[];
  /** Whether an Info-ZIP archive is needed (the extraction bench). */
  zip: boolean;
}

export interface BenchProfile {
  /** (a)–(d): extraction and end-to-end pulls. */
  extract: CorpusSpec[];
  /** The corpus for the rate-capped stretch target. */
  capped: CorpusSpec;
  /** Emulator stream cap for the stretch target, bytes per second. */
  cappedBytesPerSecond: number;
  /** Two sizes of the same shape, for peak RSS and temporary disk. */
  memory: [CorpusSpec, CorpusSpec];
  tree: CorpusSpec;
  /** "Pull any folder" (#12). */
  planned: {
    /** Many small files, pulled with the emulator's file limit at `maxZipFiles`. */
    overLimit: CorpusSpec;
    maxZipFiles: number;
    /** Large files, every stream capped at `bytesPerSecond`; full mode only (see plannedSuite.ts). */
    capped?: CorpusSpec;
    bytesPerSecond: number;
    /** One tiny file per folder: `folders` folders to list, root included. */
    walk: CorpusSpec;
    latencyMs: number;
  };
}

const KB = 1024;
const MB = 1024 * KB;
const SEED = 'box-pull-bench-1';

const text = (count: number, prefix = 'text'): FileGroup => ({
  prefix,
  kind: 'text',
  count,
  minBytes: 1 * KB,
  maxBytes: 40 * KB,
  filesPerFolder: 50,
});
const random = (count: number, bytes: number, prefix = 'bin'): FileGroup => ({
  prefix,
  kind: 'random',
  count,
  minBytes: bytes,
  maxBytes: bytes,
  filesPerFolder: 0,
});
const tiny = (count: number): FileGroup => ({
  prefix: 'tiny',
  kind: 'text',
  count,
  minBytes: 1,
  maxBytes: 1 * KB,
  filesPerFolder: 100,
});

function corpus(name: string, label: string, groups: FileGroup[], zip = true): CorpusSpec {
  return { name, label, seed: `${SEED}:${name}`, groups, zip };
}

function extractCorpora(
  prefix: string,
  scale: { text: number; bins: number; binBytes: number; tiny: number },
) {
  return [
    corpus(`${prefix}-text`, '(a) text', [text(scale.text)]),
    corpus(`${prefix}-binary`, '(b) binary', [random(scale.bins, scale.binBytes)]),
    corpus(`${prefix}-mixed`, '(c) mixed', [
      text(Math.round(scale.text / 2)),
      random(Math.round(scale.bins / 2), scale.binBytes),
    ]),
    corpus(`${prefix}-tiny`, '(d) tiny', [tiny(scale.tiny)]),
  ];
}

/** A big archive: mostly large random files, plus some text so the pipeline also handles many small entries. */
function memoryCorpus(name: string, bins: number, binBytes: number, texts: number): CorpusSpec {
  const size = Math.round((bins * binBytes) / MB);
  return corpus(name, `${size} MB`, [random(bins, binBytes), text(texts)], false);
}

/** One flat folder of tiny files (the full target is about 10,000 entries). */
/** Small text files, about 4.6 KB each (24 MB for 5,000): the shape of a source tree. */
function overLimitCorpus(name: string, files: number): CorpusSpec {
  const group = { ...text(files, 'src'), minBytes: 1 * KB, maxBytes: 8.4 * KB };
  return corpus(name, `${files.toLocaleString('en-US')} files`, [group], false);
}

/**
 * A tree of `folders` folders counting the root: leaves of one tiny file, ten leaves per middle folder
 * (corpora.ts), under one top folder. Leaves l and middles ceil(l / 10) give l + ceil(l / 10) + 2 folders.
 */
function walkCorpus(folders: number): CorpusSpec {
  let leaves = Math.floor(((folders - 2) * 10) / 11);
  while (leaves + Math.ceil(leaves / 10) + 2 < folders) leaves++;
  const group: FileGroup = { ...tiny(leaves), prefix: 'walk', filesPerFolder: 1 };
  return corpus(`walk-${folders}`, `${folders} folders`, [group], false);
}

function treeCorpus(entries: number): CorpusSpec {
  const label = `${entries.toLocaleString('en-US')} entries`;
  return corpus(`tree-${entries}`, label, [{ ...tiny(entries), prefix: '', filesPerFolder: 0 }], false);
}

export function benchProfile(quick: boolean): BenchProfile {
  if (quick) {
    const extract = extractCorpora('quick', { text: 500, bins: 4, binBytes: 4 * MB, tiny: 1000 });
    return {
      extract,
      capped: extract[2],
      cappedBytesPerSecond: 8 * MB,
      memory: [
        memoryCorpus('quick-mem-small', 2, 8 * MB, 100),
        memoryCorpus('quick-mem-large', 6, 8 * MB, 100),
      ],
      tree: treeCorpus(2500),
      planned: {
        overLimit: overLimitCorpus('quick-over-limit', 1000),
        maxZipFiles: 200,
        bytesPerSecond: 16 * MB,
        walk: walkCorpus(160),
        latencyMs: 100,
      },
    };
  }
  const extract = extractCorpora('full', { text: 5000, bins: 16, binBytes: 24 * MB, tiny: 20_000 });
  return {
    extract,
    capped: extract[2],
    // Must bind: uncapped, the emulator makes this corpus's ZIP at about 19 MB/s on 2 cores (40 MB/s never bound).
    cappedBytesPerSecond: 8 * MB,
    memory: [memoryCorpus('full-mem-400', 12, 32 * MB, 500), memoryCorpus('full-mem-2048', 64, 32 * MB, 500)],
    tree: treeCorpus(10_000),
    planned: {
      overLimit: overLimitCorpus('full-over-limit', 5000),
      maxZipFiles: 1000,
      // (b): 16 × 24 MB, over the size from which a pull splits into parallel streams (256 MB).
      capped: extract[1],
      bytesPerSecond: 16 * MB,
      walk: walkCorpus(800),
      latencyMs: 100,
    },
  };
}
