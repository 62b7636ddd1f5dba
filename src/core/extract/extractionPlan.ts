import type { ArchiveEntry } from './centralDirectory';
import { ArchiveError } from './errors';
import { isRejected, mapEntryName } from './safeNames';
import { TreePlanner } from './treePlanner';

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
  const slashed = (entry: ArchiveEntry): string =>
    entry.archiveName.includes('\\') ? entry.archiveName.replace(/\\/g, '/') : entry.archiveName;
  const strip =
    prefix !== undefined && prefix !== '/' && entries.every((entry) => slashed(entry).startsWith(prefix));

  const planner = new TreePlanner();
  const plan: ExtractionPlan = { files: [], directories: [], renamed: [], nonPortable: [] };
  if (strip) plan.strippedTopLevelFolder = options.stripTopLevelFolder;

  for (const entry of entries) {
    const name = strip ? slashed(entry).slice(prefix.length) : entry.archiveName;
    if (entry.isDirectory && isRootItself(name)) continue; // e.g. the stripped top-level folder's own entry
    const mapping = mapEntryName(name, { platform: options.platform });
    if (isRejected(mapping)) {
      throw new ArchiveError(
        'unsafe_path',
        `Unsafe entry name (${mapping.rejected}): ${JSON.stringify(entry.archiveName)}`,
        {
          entryName: entry.archiveName,
        },
      );
    }
    const segments = mapping.relativePath.split('/');
    const placed = entry.isDirectory ? planner.addDirectory(segments) : planner.addFile(segments);
    if (mapping.reason !== undefined || placed.reason !== undefined) {
      const reason = [mapping.reason, placed.reason].filter((text) => !!text).join('; ');
      plan.renamed.push({ archiveName: entry.archiveName, relativePath: placed.relativePath, reason });
    }
    if (mapping.nonPortableReason !== undefined) {
      plan.nonPortable.push({
        archiveName: entry.archiveName,
        relativePath: placed.relativePath,
        reason: mapping.nonPortableReason,
      });
    }
    if (!entry.isDirectory) plan.files.push({ entry, relativePath: placed.relativePath });
  }
  plan.directories = planner.directories();
  return plan;
}

/** `''`, `./`, `.//.`: a directory entry naming the extraction root. Leading separators stay unsafe. */
function isRootItself(name: string): boolean {
  return !/^[/\\]/.test(name) && name.split(/[/\\]/).every((segment) => segment === '' || segment === '.');
}
