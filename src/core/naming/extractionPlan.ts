import type { ArchiveEntry } from '../zip/centralDirectory';
import { isRejected, mapEntryName } from './safeNames';
import { TreePlanner } from './treePlanner';
import { ArchiveError } from '../errors';

/**
 * Decides where every entry goes before anything is written: strips the top-level folder, maps each name to a
 * safe relative path (rejecting the archive on the first unsafe one), and makes paths unique.
 */
export interface PlannedFile {
  entry: ArchiveEntry;
  relativePath: string;
}

export interface RenamedEntry {
  archiveName: string;
  relativePath: string;
  reason: string;
}

export interface ExtractionPlan {
  files: PlannedFile[];
  /** Every directory of the tree, parents before children. */
  directories: string[];
  renamed: RenamedEntry[];
  /** Off Windows: names kept as-is that Windows could not store. */
  nonPortable: RenamedEntry[];
  strippedTopLevelFolder?: string;
}

export function planExtraction(
  entries: readonly ArchiveEntry[],
  options: { stripTopLevelFolder?: string; platform?: NodeJS.Platform },
): ExtractionPlan {
  const prefix = options.stripTopLevelFolder === undefined ? undefined : `${options.stripTopLevelFolder}/`;
  const strip =
    prefix !== undefined &&
    prefix !== '/' &&
    entries.every((entry) => slashed(entry.archiveName).startsWith(prefix));
  const planner = new EntryPlanner({
    ...(strip ? { stripTopLevelFolder: options.stripTopLevelFolder } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
  });
  const files: PlannedFile[] = [];
  for (const entry of entries) {
    const placed = planner.add(entry.archiveName, entry.isDirectory);
    if (placed !== undefined && !entry.isDirectory) files.push({ entry, relativePath: placed });
  }
  return { ...planner.summary(), files };
}

/**
 * Plans entries one at a time, in archive order: the same decisions whether the entries come from the central
 * directory (planExtraction) or from local headers while the archive is still downloading (streamingExtractor.ts).
 * The caller decides up front whether the top-level folder is stripped; every name must then start with it.
 */
export class EntryPlanner {
  private readonly tree = new TreePlanner();
  private readonly renamed: RenamedEntry[] = [];
  private readonly nonPortable: RenamedEntry[] = [];
  private readonly prefix: string | undefined;

  constructor(private readonly options: { stripTopLevelFolder?: string; platform?: NodeJS.Platform }) {
    this.prefix = options.stripTopLevelFolder === undefined ? undefined : `${options.stripTopLevelFolder}/`;
  }

  /** The entry's relative path, or undefined for a directory entry naming the root; throws on an unsafe name. */
  add(archiveName: string, isDirectory: boolean): string | undefined {
    let name = archiveName;
    if (this.prefix !== undefined) {
      const normalised = slashed(archiveName);
      if (!normalised.startsWith(this.prefix)) {
        throw new ArchiveError(
          'invalid',
          `Entry is outside the top-level folder: ${JSON.stringify(archiveName)}`,
          {
            entryName: archiveName,
          },
        );
      }
      name = normalised.slice(this.prefix.length);
    }
    if (isDirectory && isRootItself(name)) return undefined; // e.g. the stripped top-level folder's own entry
    const mapping = mapEntryName(name, { platform: this.options.platform });
    if (isRejected(mapping)) {
      throw new ArchiveError(
        'unsafe_path',
        `Unsafe entry name (${mapping.rejected}): ${JSON.stringify(archiveName)}`,
        {
          entryName: archiveName,
        },
      );
    }
    const segments = mapping.relativePath.split('/');
    const placed = isDirectory ? this.tree.addDirectory(segments) : this.tree.addFile(segments);
    if (mapping.reason !== undefined || placed.reason !== undefined) {
      const reason = [mapping.reason, placed.reason].filter((text) => !!text).join('; ');
      this.renamed.push({ archiveName, relativePath: placed.relativePath, reason });
    }
    if (mapping.nonPortableReason !== undefined) {
      this.nonPortable.push({
        archiveName,
        relativePath: placed.relativePath,
        reason: mapping.nonPortableReason,
      });
    }
    return placed.relativePath;
  }

  summary(): Omit<ExtractionPlan, 'files'> {
    return {
      directories: this.tree.directories(),
      renamed: this.renamed,
      nonPortable: this.nonPortable,
      ...(this.options.stripTopLevelFolder === undefined
        ? {}
        : { strippedTopLevelFolder: this.options.stripTopLevelFolder }),
    };
  }
}

function slashed(name: string): string {
  return name.includes('\\') ? name.replace(/\\/g, '/') : name;
}

/** `''`, `./`, `.//.`: a directory entry naming the extraction root. Leading separators stay unsafe. */
function isRootItself(name: string): boolean {
  return !/^[/\\]/.test(name) && name.split(/[/\\]/).every((segment) => segment === '' || segment === '.');
}
