// Which files of a pulled folder the user wants: `--include` / `--exclude` globs (picomatch), matched against paths
// relative to the pulled folder with `/` separators. Decided on the listing, before anything is requested.
import picomatch from 'picomatch';

export interface FilterOptions {
  /** When given, only files matching one of these are pulled. */
  include?: readonly string[];
  /** Files matching one of these, and folders matching one (with everything inside), are left out. */
  exclude?: readonly string[];
}

export interface PathFilter {
  /** Whether any glob was given: a filtered pull must list the tree to decide. */
  readonly active: boolean;
  /** Whether the file at this relative path is pulled. */
  includesFile(relativePath: string): boolean;
  /** Whether the folder at this relative path is left out whole, so that it need not even be listed. */
  excludesFolder(relativePath: string): boolean;
}

// `dot`: a dotfile is a file like any other to someone who writes `*.env`.
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true };

export function makeFilter(options: FilterOptions = {}): PathFilter {
  const include = options.include?.filter((glob) => glob !== '') ?? [];
  const exclude = options.exclude?.filter((glob) => glob !== '') ?? [];
  const included = include.length > 0 ? picomatch(include, GLOB_OPTIONS) : () => true;
  const excluded = exclude.length > 0 ? picomatch(exclude, GLOB_OPTIONS) : () => false;
  return {
    active: include.length + exclude.length > 0,
    includesFile: (relativePath) => included(relativePath) && !excluded(relativePath),
    // picomatch lets `raw/**` match `raw` itself, so `raw`, `raw/**` and `**/node_modules` all prune the folder.
    excludesFolder: (relativePath) => excluded(relativePath),
  };
}
