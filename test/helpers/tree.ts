// Generates a deterministic file tree from a seed, so tests and benchmarks can build the same "Box account" on
// any machine without committing fixtures. Same options + same seed → same paths and same bytes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface TreeOptions {
  /** Any integer; the whole tree (names, depths, sizes, bytes) is a function of it. */
  seed: number;
  /** Number of files to create. */
  files: number;
  /** Deepest folder nesting below `root` (0 = every file directly in `root`). */
  maxDepth: number;
  /** Smallest file size in bytes (inclusive). */
  minSize: number;
  /** Largest file size in bytes (inclusive). Sizes are skewed towards the small end, like real trees. */
  maxSize: number;
  /** Extra folders with nothing in them (default 0). */
  emptyFolders?: number;
}

export interface TreeResult {
  /** Relative posix paths of every file created, sorted. */
  files: string[];
  /** Total bytes written. */
  bytes: number;
}

/** mulberry32: tiny, fast and good enough for test data; not for anything secret. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'alpha',
  'report',
  'draft',
  'notes',
  'budget',
  'photo',
  'data',
  'final',
  'plan',
  'scan',
  'q3',
  'v2',
];
// A few non-ASCII and spaced names on purpose: real Box trees have them and extractors must cope.
const FOLDER_WORDS = ['docs', 'Projects', 'archive', 'media', 'Team Files', 'résumés', '2024', 'src', '日本'];
const TEXT_EXTENSIONS = ['.txt', '.md', '.csv', '.json'];
const BINARY_EXTENSIONS = ['.bin', '.dat', '.png', '.pdf'];
const WRITE_CONCURRENCY = 16;

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

/** Names are unique within their folder (case-insensitively, as Box requires). */
function uniqueName(taken: Set<string>, base: string, extension: string): string {
  let name = base + extension;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})${extension}`;
  taken.add(name.toLowerCase());
  return name;
}

/** Half the files are compressible text, half incompressible bytes, so ZIP compression behaves realistically. */
function fileBytes(random: () => number, size: number, text: boolean): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  if (text) {
    let offset = 0;
    while (offset < size) {
      offset += buffer.write(`${pick(random, WORDS)} ${Math.floor(random() * 1e6)}\n`, offset, 'latin1');
    }
    return buffer;
  }
  const words = Math.floor(size / 4);
  for (let i = 0; i < words; i++) buffer.writeUInt32LE((random() * 4294967296) >>> 0, i * 4);
  for (let i = words * 4; i < size; i++) buffer[i] = (random() * 256) >>> 0;
  return buffer;
}

/** Creates the tree under `root` (which may already exist; it should be empty). */
export async function makeTree(root: string, options: TreeOptions): Promise<TreeResult> {
  const random = createRandom(options.seed);
  const folders: string[] = [''];
  const namesIn = new Map<string, Set<string>>([['', new Set()]]);
  const depthOf = (folder: string) => (folder === '' ? 0 : folder.split('/').length);

  const addFolder = (parent: string): string => {
    const taken = namesIn.get(parent) ?? new Set<string>();
    const name = uniqueName(taken, pick(random, FOLDER_WORDS), '');
    const folder = parent === '' ? name : `${parent}/${name}`;
    folders.push(folder);
    namesIn.set(folder, new Set());
    return folder;
  };

  const planned: { relPath: string; size: number; text: boolean }[] = [];
  for (let i = 0; i < options.files; i++) {
    // Sometimes open a new subfolder so files spread over a tree whose depth stays within maxDepth.
    let folder = pick(random, folders);
    if (depthOf(folder) < options.maxDepth && random() < 0.25) folder = addFolder(folder);
    const text = random() < 0.5;
    const extension = pick(random, text ? TEXT_EXTENSIONS : BINARY_EXTENSIONS);
    const name = uniqueName(namesIn.get(folder)!, `${pick(random, WORDS)}-${i}`, extension);
    const span = Math.max(0, options.maxSize - options.minSize);
    const size = options.minSize + Math.round(span * random() ** 3);
    planned.push({ relPath: folder === '' ? name : `${folder}/${name}`, size, text });
  }
  const emptyFolders: string[] = [];
  for (let i = 0; i < (options.emptyFolders ?? 0); i++) {
    // Never nest an empty folder inside another one: the outer one would no longer be empty.
    const candidates = folders.filter(
      (folder) => depthOf(folder) < options.maxDepth && !emptyFolders.includes(folder),
    );
    if (candidates.length === 0) break;
    emptyFolders.push(addFolder(pick(random, candidates)));
  }

  await fs.mkdir(root, { recursive: true });
  for (const folder of folders.slice(1)) await fs.mkdir(path.join(root, folder), { recursive: true });
  // Contents come from a per-file generator so they do not depend on write order or concurrency.
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const index = next++;
      const file = planned[index];
      const bytes = fileBytes(createRandom(options.seed * 7919 + index), file.size, file.text);
      await fs.writeFile(path.join(root, file.relPath), bytes);
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));

  return {
    files: planned.map((file) => file.relPath).sort(),
    bytes: planned.reduce((sum, file) => sum + file.size, 0),
  };
}
