// File operations inside a folder tree that never follow a folder swapped for a link after it was checked.
//
// Placing files by path alone has a window between the check of a folder and the move into it: a local process
// can replace `dest/sub` with a link to `/elsewhere` in between, and the move lands outside. On Linux the tree is
// walked by descriptor instead, the way `openat` does: the root is opened once, each folder on the way is opened
// from its parent's descriptor with O_NOFOLLOW | O_DIRECTORY (a link, a file or nothing there is refused), and the
// operation names its target through `/proc/self/fd/<n>/<name>`, which the kernel resolves to the folder that was
// opened, wherever it has been moved since. Elsewhere (no /proc), each folder on the way is checked with `lstat`
// right before the operation and again right after it, and a change is reported.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A folder on the way to a path is not a real folder (a link, a file, a special file) or is gone. */
export class NotAFolderError extends Error {
  override readonly name = 'NotAFolderError';
  constructor(
    readonly folder: string,
    readonly reason: string,
  ) {
    super(`${reason}: ${folder}`);
  }
}

const OPEN_FOLDER = fs.constants.O_RDONLY | (fs.constants.O_DIRECTORY ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);
const REFUSED = new Set(['ELOOP', 'ENOTDIR', 'ENOENT', 'EMLINK']);
const MAX_KEPT = 256;

export class AnchoredTree {
  private kept?: Map<string, fs.promises.FileHandle>;
  private closed = false;

  private constructor(
    /** The root as the user named it, for messages and for the path mode. */
    readonly root: string,
    /** Linux: the root's open descriptor; undefined in the path mode. */
    private readonly rootHandle: fs.promises.FileHandle | undefined,
    private readonly rootStat: fs.BigIntStats,
  ) {}

  /**
   * Opens `root` once (a link naming the root itself is followed here, once, and never again). `pathMode` forces
   * the checks by path that other systems get (tests of that mode).
   */
  static async open(root: string, options: { pathMode?: boolean } = {}): Promise<AnchoredTree> {
    return AnchoredTree.openAt(path.resolve(root), path.resolve(root), false, options.pathMode);
  }

  /** The real folder `relativePath` inside this tree, opened without following a link. */
  async subtree(relativePath: string): Promise<AnchoredTree> {
    const folder = path.join(this.root, ...relativePath.split('/'));
    if (!this.rootHandle) {
      const stat = await this.checkedChain(`${relativePath}/.`);
      return new AnchoredTree(folder, undefined, stat);
    }
    return AnchoredTree.openAt(folder, this.at(relativePath), true);
  }

  private static async openAt(
    root: string,
    opened: string,
    noFollow = false,
    pathMode = false,
  ): Promise<AnchoredTree> {
    const rootStat = await fs.promises.stat(opened, { bigint: true });
    if (!rootStat.isDirectory()) throw new NotAFolderError(root, 'not a folder');
    if (process.platform !== 'linux' || pathMode) return new AnchoredTree(root, undefined, rootStat);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(
        opened,
        noFollow ? OPEN_FOLDER : OPEN_FOLDER & ~fs.constants.O_NOFOLLOW,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (REFUSED.has(code)) throw new NotAFolderError(root, 'not a real folder');
      throw error;
    }
    // /proc may be missing (a bare container): then the path mode, checked around each operation.
    const viaProc = await fs.promises.stat(procPath(handle), { bigint: true }).catch(() => undefined);
    if (viaProc?.ino !== rootStat.ino || viaProc.dev !== rootStat.dev) {
      await handle.close();
      return new AnchoredTree(root, undefined, rootStat);
    }
    return new AnchoredTree(root, handle, rootStat);
  }

  /** True when operations go through descriptors (Linux), false when they are checked by path. */
  get anchored(): boolean {
    return this.rootHandle !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.kept?.values() ?? []) await handle.close().catch(() => undefined);
    this.kept?.clear();
    await this.rootHandle?.close();
  }

  /**
   * Runs `operation` with a path for `relativePath` (slash-separated) whose folders are all real folders of this
   * tree. Throws NotAFolderError when one of them is not; the operation's own errors pass through.
   */
  async with<T>(relativePath: string, operation: (target: string) => Promise<T>): Promise<T> {
    const parts = relativePath.split('/');
    const name = parts.pop()!;
    if (!this.rootHandle) {
      const before = await this.checkedChainStats(parts);
      const result = await operation(path.join(this.root, relativePath));
      const after = await this.checkedChainStats(parts).catch(() => undefined);
      if (!after || after.some((stat, index) => stat.ino !== before[index].ino)) {
        throw new NotAFolderError(parts.join('/'), 'a folder on the way was replaced during the operation');
      }
      return result;
    }
    const handles: fs.promises.FileHandle[] = [];
    try {
      let parent = procPath(this.rootHandle);
      for (let index = 0; index < parts.length; index++) {
        const folder = parts.slice(0, index + 1).join('/');
        let handle = this.kept?.get(folder);
        if (!handle) {
          handle = await fs.promises.open(`${parent}/${parts[index]}`, OPEN_FOLDER).catch((error) => {
            const code = (error as NodeJS.ErrnoException).code ?? '';
            if (!REFUSED.has(code)) throw error;
            throw new NotAFolderError(folder, refusal(code));
          });
          // Once closed, a handle kept would never be closed (an operation still under way opened it).
          if (this.kept && !this.closed && !this.kept.has(folder) && this.kept.size < MAX_KEPT)
            this.kept.set(folder, handle);
          else handles.push(handle);
        }
        parent = procPath(handle);
      }
      return await operation(`${parent}/${name}`);
    } finally {
      // Not awaited: the operation is done, and nothing waits on the close.
      for (const handle of handles) handle.close().catch(() => undefined);
    }
  }

  /**
   * Keeps the folders it opens open until `close` (a few hundred at most). For the staging folder only, which is
   * ours: a destination folder is opened afresh for each operation, so that one moved away meanwhile is noticed.
   */
  keepFoldersOpen(): this {
    if (this.rootHandle) this.kept = new Map();
    return this;
  }

  /** `relativePath` as a path through the root's descriptor (Linux only; the caller checks `anchored`). */
  private at(relativePath: string): string {
    return `${procPath(this.rootHandle!)}/${relativePath}`;
  }

  /** Path mode: the root is still the folder opened, and each folder of `parts` below it is a real folder. */
  private async checkedChainStats(parts: string[]): Promise<fs.BigIntStats[]> {
    const stats = [await fs.promises.lstat(this.root, { bigint: true })];
    if (stats[0].ino !== this.rootStat.ino) throw new NotAFolderError('', 'the folder itself was replaced');
    for (let index = 0; index < parts.length; index++) {
      const folder = parts.slice(0, index + 1).join('/');
      const stat = await fs.promises
        .lstat(path.join(this.root, ...parts.slice(0, index + 1)), { bigint: true })
        .catch(() => undefined);
      if (!stat) throw new NotAFolderError(folder, refusal('ENOENT'));
      if (!stat.isDirectory()) throw new NotAFolderError(folder, refusal('ENOTDIR'));
      stats.push(stat);
    }
    return stats;
  }

  private async checkedChain(relativePath: string): Promise<fs.BigIntStats> {
    const stats = await this.checkedChainStats(relativePath.split('/').slice(0, -1));
    return stats[stats.length - 1];
  }
}

function procPath(handle: fs.promises.FileHandle): string {
  return `/proc/self/fd/${handle.fd}`;
}

function refusal(code: string): string {
  return code === 'ENOENT'
    ? 'a folder on the way disappeared during the pull'
    : 'a folder on the way is not a real folder (links are not followed)';
}
