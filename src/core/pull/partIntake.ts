// Which listed file each extracted entry of a part is. Box puts each requested item at the archive root, under its
// name or the `download_name` that `name_conflicts` gives it; the extractor already mapped every archive name
// safely, and only the archive's raw name is used here, to find the item and so the file's listed path.
import type { ZipDownload } from '../box/types';
import type { ExtractedFile } from '../extract/fileExtraction';
import type { ListedFile, Listing } from './listing';
import type { Part } from './partition';

export interface Matched {
  file: ListedFile;
  extracted: ExtractedFile;
}

export interface PartMatch {
  /** One entry per listed file, at most: a second entry claiming the same file is in `unlisted`. */
  found: Matched[];
  /** Archive names that are no listed file of this part (added on Box since the listing, or not asked for). */
  unlisted: string[];
}

export function matchArchiveFiles(
  part: Part,
  nameConflicts: ZipDownload['name_conflicts'],
  files: readonly ExtractedFile[],
  listing: Pick<Listing, 'files'>,
): PartMatch {
  const downloadNames = new Map(nameConflicts.flat().map((c) => [`${c.type}:${c.id}`, c.download_name]));
  const byRootName = new Map(
    part.items.map((item) => [downloadNames.get(`${item.type}:${item.id}`) ?? item.name, item]),
  );
  const found: Matched[] = [];
  const unlisted: string[] = [];
  const claimed = new Set<ListedFile>();
  for (const extracted of files) {
    const name = extracted.archiveName.replace(/\\/g, '/');
    const slash = name.indexOf('/');
    const item = byRootName.get(slash === -1 ? name : name.slice(0, slash));
    const rest = slash === -1 ? '' : name.slice(slash + 1);
    let file: ListedFile | undefined;
    if (item?.type === 'file' && rest === '') file = listing.files.get(item.rawPath);
    else if (item?.type === 'folder')
      file = listing.files.get([item.rawPath, rest].filter(Boolean).join('/'));
    // Two entries for one file (a server that gave two items one name) must not hide the file that is missing.
    if (!file || claimed.has(file)) {
      unlisted.push(extracted.archiveName);
      continue;
    }
    claimed.add(file);
    found.push({ file, extracted });
  }
  return { found, unlisted };
}
