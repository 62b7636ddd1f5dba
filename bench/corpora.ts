// Builds the corpora under bench/corpora/ from their specs: trees/<name>/ (served by the emulator and compared
// byte for byte with every output), zips/<name>.zip (Info-ZIP, default level) and stamps/<name>.json. A corpus whose
// stamp matches its spec is reused as is.
import { execFile } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { CorpusSpec, FileGroup } from './corpusSpecs';
import { randomChunks, randomInt, seededRandom, TextGenerator } from './random';
import { walkFiles } from './trees';

const execFileAsync = promisify(execFile);
/** Bump when the generator's output changes for the same spec. */
const GENERATOR_VERSION = 1;
const WRITE_CONCURRENCY = 16;

export interface Corpus {
  spec: CorpusSpec;
  /** bench/corpora/trees/<name>: the folder served by the emulator. */
  treeDir: string;
  /** The Info-ZIP archive, when the spec asks for one. */
  zipPath?: string;
  fileCount: number;
  /** Sum of file sizes. */
  totalBytes: number;
  /** Disk space the files occupy (blocks), the yardstick for temporary disk. */
  allocatedBytes: number;
  zipBytes?: number;
}

interface Stamp {
  version: number;
  spec: CorpusSpec;
  fileCount: number;
  totalBytes: number;
  allocatedBytes: number;
  zipBytes?: number;
}

export function corporaPaths(corporaDir: string) {
  return {
    trees: path.join(corporaDir, 'trees'),
    zips: path.join(corporaDir, 'zips'),
    stamps: path.join(corporaDir, 'stamps'),
  };
}

export async function ensureCorpus(
  corporaDir: string,
  spec: CorpusSpec,
  log: (line: string) => void,
): Promise<Corpus> {
  const dirs = corporaPaths(corporaDir);
  const treeDir = path.join(dirs.trees, spec.name);
  const zipPath = spec.zip ? path.join(dirs.zips, `${spec.name}.zip`) : undefined;
  const stampPath = path.join(dirs.stamps, `${spec.name}.json`);

  const stamp = await readStamp(stampPath);
  if (stamp && stamp.version === GENERATOR_VERSION && JSON.stringify(stamp.spec) === JSON.stringify(spec)) {
    if ((await exists(treeDir)) && (!zipPath || (await exists(zipPath)))) {
      return { spec, treeDir, zipPath, ...counts(stamp) };
    }
  }

  log(`Generating corpus ${spec.name} ...`);
  await fs.rm(stampPath, { force: true });
  await fs.rm(treeDir, { recursive: true, force: true });
  await fs.mkdir(treeDir, { recursive: true });
  for (const group of spec.groups) await writeGroup(treeDir, spec.seed, group);

  let fileCount = 0;
  let totalBytes = 0;
  let allocatedBytes = 0;
  for await (const file of walkFiles(treeDir)) {
    const stat = await fs.stat(file.absolutePath);
    fileCount++;
    totalBytes += stat.size;
    allocatedBytes += stat.blocks * 512;
  }

  let zipBytes: number | undefined;
  if (zipPath) {
    log(`Zipping ${spec.name} with Info-ZIP ...`);
    await fs.mkdir(dirs.zips, { recursive: true });
    await fs.rm(zipPath, { force: true });
    await execFileAsync('zip', ['-q', '-r', zipPath, spec.name], { cwd: dirs.trees });
    zipBytes = (await fs.stat(zipPath)).size;
  }

  const fresh: Stamp = { version: GENERATOR_VERSION, spec, fileCount, totalBytes, allocatedBytes, zipBytes };
  await fs.mkdir(dirs.stamps, { recursive: true });
  await fs.writeFile(stampPath, `${JSON.stringify(fresh, null, 2)}\n`);
  return { spec, treeDir, zipPath, ...counts(fresh) };
}

function counts(stamp: Stamp) {
  return {
    fileCount: stamp.fileCount,
    totalBytes: stamp.totalBytes,
    allocatedBytes: stamp.allocatedBytes,
    zipBytes: stamp.zipBytes,
  };
}

/** Relative path of the group's i-th file: leaves of `filesPerFolder` files, ten leaves per middle folder. */
function filePath(group: FileGroup, index: number): string {
  const name = `f${String(index).padStart(5, '0')}.${group.kind === 'text' ? 'txt' : 'bin'}`;
  const parts = group.prefix ? [group.prefix] : [];
  if (group.filesPerFolder > 0) {
    const leaf = Math.floor(index / group.filesPerFolder);
    parts.push(`d${String(Math.floor(leaf / 10)).padStart(3, '0')}`, `e${leaf % 10}`);
  }
  return path.join(...parts, name);
}

async function writeGroup(treeDir: string, seed: string, group: FileGroup): Promise<void> {
  // Sizes and text are drawn in file order, whatever order the writes finish in, so the output is deterministic.
  const random = seededRandom(`${seed}:${group.prefix}`);
  const text = new TextGenerator(random);
  const madeDirs = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < group.count; i++) {
    const target = path.join(treeDir, filePath(group, i));
    const size = randomInt(random, group.minBytes, group.maxBytes);
    const dir = path.dirname(target);
    if (!madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    if (group.kind === 'random') {
      await pipeline(
        Readable.from(randomChunks(`${seed}:${filePath(group, i)}`, size)),
        createWriteStream(target),
      );
      continue;
    }
    const write: Promise<void> = fs.writeFile(target, text.text(size)).finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function readStamp(stampPath: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await fs.readFile(stampPath, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

async function exists(target: string): Promise<boolean> {
  return fs.stat(target).then(
    () => true,
    () => false,
  );
}
