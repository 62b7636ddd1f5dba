/** How the CLI shows progress and the final report on a terminal. */
import { updateLines } from './updateRender';
import { formatBytes, formatDuration, type PullProgress } from '../core/pull/progress';
import type { PullReport } from '../core/pull/pull';
import type { UpdateSummary } from '../core/update/updatePull';

/**
 * Made on first use: building an `Intl.NumberFormat` loads ICU's locale data, about a quarter of the CLI's
 * start-up, and a `--quiet` or `--json` run never formats a count.
 */
let numberFormatter: Intl.NumberFormat | undefined;
const numberFormat = {
  format: (value: number): string => (numberFormatter ??= new Intl.NumberFormat('en-US')).format(value),
};

/** `Box 42% downloading · 5,000 files · 1.2 GB · 12 MB/s · 0:41 left`, with only the parts that are known. */
export function progressLine(progress: PullProgress): string {
  if (progress.phase === 'preparing' && progress.foldersListed !== undefined) {
    const folders = progress.foldersListed;
    return `Listing… ${numberFormat.format(folders)} ${folders === 1 ? 'folder' : 'folders'}`;
  }
  const parts: string[] = [];
  const percent = progress.fraction !== undefined ? ` ${Math.floor(progress.fraction * 100)}%` : '';
  parts.push(`Box${percent} ${progress.phase}`);
  if (progress.stalledSeconds !== undefined) parts.push(`stalled ${formatDuration(progress.stalledSeconds)}`);
  // The percentage holds still while a fresh download catches up: say why.
  if ((progress.attempt ?? 1) > 1 && progress.phase !== 'done') {
    parts.push(
      progress.maxAttempts
        ? `retrying (${progress.attempt}/${progress.maxAttempts})`
        : `retrying (attempt ${progress.attempt})`,
    );
  }
  if (progress.totalFiles !== undefined && progress.phase !== 'downloading') {
    parts.push(
      `${numberFormat.format(progress.filesDone)}/${numberFormat.format(progress.totalFiles)} files`,
    );
  } else if (progress.totalFiles !== undefined) {
    parts.push(`${numberFormat.format(progress.totalFiles)} files`);
  }
  parts.push(formatBytes(progress.bytesDownloaded));
  if (progress.phase === 'downloading' && progress.bytesPerSecond > 0) {
    parts.push(`${formatBytes(progress.bytesPerSecond)}/s`);
  }
  if (
    progress.etaSeconds !== undefined &&
    Number.isFinite(progress.etaSeconds) &&
    progress.etaSeconds >= 1 &&
    progress.phase === 'downloading'
  ) {
    parts.push(`${formatDuration(progress.etaSeconds)} left`);
  }
  return parts.join(' · ');
}

export function summary(report: PullReport): string[] {
  if (report.update?.dryRun) return updateLines(report.update, report.destination);
  const took = formatDuration(report.durationMs / 1000);
  const lines = report.update
    ? [...updateLines(report.update, report.destination), updateDone(report.update, report, took)]
    : [
        `Pulled ${numberFormat.format(report.filesWritten)} files (${formatBytes(report.bytesDownloaded)} downloaded) ` +
          `into ${report.destination} in ${took}.`,
      ];
  if (report.plan) {
    const { parts, streamsUsed, requests, excluded } = report.plan;
    lines.push(`Split into ${parts.length} downloads over ${streamsUsed} streams (${requests} requests).`);
    if (excluded.files || excluded.folders) {
      lines.push(
        `Left out by filters: ${numberFormat.format(excluded.files)} files and ${excluded.folders} folders ` +
          `(${formatBytes(excluded.bytes)}).`,
      );
    }
  }
  for (const name of report.reserved ?? []) {
    lines.push(`Not written: Box's ${name} (that name is Box Pull's state file).`);
  }
  for (const file of report.checksumMismatches ?? []) {
    lines.push(`Not written: ${file} (its SHA-1 never matched Box's; it changed on Box during the pull).`);
  }
  if (report.filesOverwritten) lines.push(`Replaced ${report.filesOverwritten} existing files.`);
  if (report.alreadyUpToDate.length)
    lines.push(`${report.alreadyUpToDate.length} existing files already up to date (identical).`);
  if (report.skippedByPolicy.length) {
    lines.push(`Kept ${report.skippedByPolicy.length} existing files (yours).`);
  }
  if (report.protectedFiles.length)
    lines.push(`Left ${report.protectedFiles.length} protected files untouched.`);
  for (const blocked of report.blocked)
    lines.push(`Not written: ${blocked.relativePath} (${blocked.reason}).`);
  if (report.fetchedAfterSkip) {
    lines.push(
      `Box left ${report.fetchedAfterSkip} files out of the ZIP; they were downloaded one by one and checked against Box's SHA-1.`,
    );
  }
  if (report.filesSkippedByBox || report.foldersSkippedByBox) {
    lines.push(
      `Not downloaded: Box skipped ${report.filesSkippedByBox} files and ${report.foldersSkippedByBox} folders it could not include.`,
    );
  }
  for (const conflict of report.nameConflicts) {
    lines.push(`Name conflict: ${conflict.originalName} was saved as ${conflict.downloadName}.`);
  }
  for (const renamed of report.renamed) {
    lines.push(`Renamed: ${renamed.archiveName} → ${renamed.relativePath} (${renamed.reason}).`);
  }
  for (const folder of report.cleanedUp) {
    lines.push(`Removed ${folder}, left behind by a pull that was interrupted.`);
  }
  for (const name of report.nonPortable) {
    lines.push(`Windows could not store this name: ${name.relativePath} (${name.reason}).`);
  }
  if (report.boxState === 'in_progress') {
    lines.push('Box never confirmed the archive was complete; its contents passed the archive checks.');
  }
  return lines;
}

/**
 * An update's last line: what it downloaded, not what it placed (`filesWritten` counts files moved here too, and a
 * move is no download: "Pulled 3 files (0 B downloaded)" would misread an update that only moved files).
 */
function updateDone(update: UpdateSummary, report: PullReport, took: string): string {
  const n = update.filesDownloaded;
  if (n === 0) return `Nothing downloaded into ${report.destination} in ${took}.`;
  const files = n === 1 ? '1 file' : `${numberFormat.format(n)} files`;
  return `Downloaded ${files} (${formatBytes(report.bytesDownloaded)}) into ${report.destination} in ${took}.`;
}
