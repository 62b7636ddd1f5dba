// What goes into an archive: entries with their archive paths, plus the counts Box reports (files only; items the
// user cannot access are absent from the archive and counted as skipped).
import * as path from 'node:path';
import { isInaccessible, isZipSkipped, type EmulatorContext } from './context';
import { parentOf, type FileInfo } from './tree';
import type { ZipRequestItem } from './zipStore';

export type ArchiveEntry =
  | { kind: 'file'; archivePath: string; absolutePath: string; size: number; mtime: Date }
  | { kind: 'directory'; archivePath: string; mtime: Date };

export interface ArchivePlan {
  entries: ArchiveEntry[];
  totalFiles: number;
  skippedFiles: number;
  skippedFolders: number;
  /** Uncompressed bytes of every file, skipped ones included (what the size limit is checked against). */
  totalBytes: number;
}

function fileEntry(ctx: EmulatorContext, file: FileInfo, archivePath: string): ArchiveEntry {
  return {
    kind: 'file',
    archivePath,
    absolutePath: ctx.tree.absolute(file.relPath),
    size: file.size,
    mtime: new Date(file.mtimeMs),
  };
}

export async function planArchive(ctx: EmulatorContext, items: ZipRequestItem[]): Promise<ArchivePlan> {
  const plan: ArchivePlan = { entries: [], totalFiles: 0, skippedFiles: 0, skippedFolders: 0, totalBytes: 0 };
  const blocked = (relPath: string) => isInaccessible(ctx.faults, relPath);
  const skippedFile = (relPath: string) => blocked(relPath) || isZipSkipped(ctx.faults, relPath);

  for (const item of items) {
    const info = await ctx.tree.resolve(item.id);
    if (item.type === 'file') {
      plan.totalFiles++;
      if (info?.type !== 'file' || skippedFile(info.relPath)) plan.skippedFiles++;
      else {
        plan.totalBytes += info.size;
        plan.entries.push(fileEntry(ctx, info, item.downloadName));
      }
      continue;
    }
    if (info?.type !== 'folder') {
      plan.skippedFolders++;
      continue;
    }
    const { files, folders } = await ctx.tree.walk(info.relPath);
    const below = (relPath: string) =>
      path.posix.join(item.downloadName, relPath.slice(info.relPath.length + 1));
    const nonEmpty = new Set([...files, ...folders].map((child) => parentOf(child.relPath)));
    if (blocked(info.relPath)) plan.skippedFolders++;
    else if (!nonEmpty.has(info.relPath)) {
      plan.entries.push({ kind: 'directory', archivePath: item.downloadName, mtime: new Date(info.mtimeMs) });
    }
    for (const file of files) {
      plan.totalFiles++;
      plan.totalBytes += file.size;
      if (skippedFile(file.relPath)) plan.skippedFiles++;
      else plan.entries.push(fileEntry(ctx, file, below(file.relPath)));
    }
    for (const folder of folders) {
      // Count a blocked folder once, not every blocked folder beneath it.
      if (blocked(folder.relPath)) {
        if (!blocked(parentOf(folder.relPath))) plan.skippedFolders++;
      } else if (!nonEmpty.has(folder.relPath)) {
        // Directory entries only for empty folders; other folders exist implicitly through their files.
        plan.entries.push({
          kind: 'directory',
          archivePath: below(folder.relPath),
          mtime: new Date(folder.mtimeMs),
        });
      }
    }
  }
  return plan;
}
