// The sentence shown when a download finishes, and the details that go to the log. Anything that did not land as
// a plain new file (kept, protected, blocked, renamed, skipped by Box) is mentioned, so success is never overstated.
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import type { PullReport } from '../../core/pull/pull';
import { formatBytes } from '../../core/pull/progress';
import { formatCount } from '../progress/format';
import { STATE_FILE } from '../../core/state/pullState';
import { describeUpdate, updateCounts } from './updateText';

export function completionMessage(report: PullReport, what: string): string {
  // Every file is counted once: new and replaced ones make up the head's number (the replaced share is its
  // breakdown, not an addition); kept, unsaved and identical files are listed apart, with names.
  const written = report.filesWritten + report.filesOverwritten;
  const head =
    written === 1
      ? vscode.l10n.t('Downloaded 1 file from {0} to {1}', what, report.destination)
      : vscode.l10n.t('Downloaded {0} files from {1} to {2}', formatCount(written), what, report.destination);
  const breakdown =
    report.filesOverwritten === 0
      ? ''
      : report.filesWritten === 0
        ? vscode.l10n.t(' (replacing yours)')
        : vscode.l10n.t(
            ' ({0} new, {1} replacing yours)',
            formatCount(report.filesWritten),
            formatCount(report.filesOverwritten),
          );
  return withNotes(`${head}${breakdown}.`, notesOf(report));
}

/**
 * An update's message (updateText.ts): each file counted once under what happened to it, "Up to date — nothing
 * changed on Box …" when nothing did, and the notes every pull shares. `gone`: files deleted on Box that the user
 * moved to the trash (or deleted) afterwards.
 */
export function updateMessage(
  report: PullReport,
  what: string,
  gone: { trashed: readonly string[]; deleted: readonly string[] } = { trashed: [], deleted: [] },
): string {
  const summary = report.update;
  if (!summary) return completionMessage(report, what);
  const notWritten = new Set([
    ...report.protectedFiles,
    ...(report.checksumMismatches ?? []),
    ...report.blocked.map((b) => b.relativePath),
  ]);
  const counts = updateCounts(summary, notWritten, gone.trashed, gone.deleted);
  const sentence = describeUpdate(counts, what, { l10n: vscode.l10n, language: vscode.env.language });
  const notes = notesOf({ ...report, skippedByPolicy: [], alreadyUpToDate: [] });
  // Without a usable state file, files were judged by SHA-1 alone (no local edit could be told from a Box change).
  if (summary.withoutState)
    notes.push(vscode.l10n.t('compared by SHA-1: there was no usable {0}', STATE_FILE));
  return withNotes(sentence, notes);
}

function withNotes(sentence: string, notes: string[]): string {
  return notes.length > 0 ? `${sentence} ${vscode.l10n.t('Also: {0}.', notes.join('; '))}` : sentence;
}

/** What did not land as a plain file (kept, protected, blocked, renamed, skipped by Box), most urgent first. */
function notesOf(report: PullReport): string[] {
  const notes: string[] = [];
  // First: a file that changed on Box during the pull is missing from the destination, and the user must know.
  const mismatched = report.checksumMismatches?.length ?? 0;
  if (mismatched > 0) {
    notes.push(
      vscode.l10n.t(
        '{0} not written (changed on Box during the download; see the log)',
        formatCount(mismatched),
      ),
    );
  }
  const filtered = leftOutByFilters(report);
  if (filtered) notes.push(filtered);
  if (report.skippedByPolicy.length > 0)
    notes.push(vscode.l10n.t('kept yours: {0}', named(report.skippedByPolicy)));
  if (report.protectedFiles.length > 0)
    notes.push(vscode.l10n.t('not replaced (unsaved changes): {0}', named(report.protectedFiles)));
  if (report.alreadyUpToDate.length > 0)
    notes.push(vscode.l10n.t('{0} already up to date', formatCount(report.alreadyUpToDate.length)));
  if (report.blocked.length > 0) notes.push(vscode.l10n.t('{0} blocked', formatCount(report.blocked.length)));
  if (report.renamed.length > 0) {
    notes.push(vscode.l10n.t('{0} renamed for this system', formatCount(report.renamed.length)));
  }
  if (report.nameConflicts.length > 0) {
    notes.push(vscode.l10n.t('{0} renamed (duplicate names)', formatCount(report.nameConflicts.length)));
  }
  if (report.cleanedUp.length > 0) {
    notes.push(
      vscode.l10n.t(
        '{0} left over from an interrupted download removed',
        formatCount(report.cleanedUp.length),
      ),
    );
  }
  const fetched = report.fetchedAfterSkip ?? 0;
  if (fetched > 0)
    notes.push(vscode.l10n.t("{0} left out of Box's ZIP, fetched one by one", formatCount(fetched)));
  const skippedByBox = report.filesSkippedByBox + report.foldersSkippedByBox;
  if (skippedByBox > 0) notes.push(vscode.l10n.t('{0} skipped by Box', formatCount(skippedByBox)));
  return notes;
}

const NAMED = 3;

/** "a.txt, b.txt, c.txt and 36 more": a few names, so the person knows which files are still theirs. */
function named(paths: readonly string[]): string {
  const shown = paths.slice(0, NAMED).join(', ');
  if (paths.length <= NAMED) return shown;
  return vscode.l10n.t('{0} and {1} more', shown, formatCount(paths.length - NAMED));
}

/** What `boxPull.include` / `boxPull.exclude` left out. An excluded folder is never listed: its files are not counted. */
function leftOutByFilters(report: PullReport): string | undefined {
  const excluded = report.plan?.excluded;
  if (!excluded || (excluded.files === 0 && excluded.folders === 0)) return undefined;
  const counts: string[] = [];
  if (excluded.files > 0) {
    counts.push(
      excluded.files === 1
        ? vscode.l10n.t('1 file')
        : vscode.l10n.t('{0} files', formatCount(excluded.files)),
    );
  }
  if (excluded.folders > 0) {
    counts.push(
      excluded.folders === 1
        ? vscode.l10n.t('1 folder')
        : vscode.l10n.t('{0} folders', formatCount(excluded.folders)),
    );
  }
  return vscode.l10n.t(
    '{0} ({1}) left out by filters',
    counts.join(vscode.l10n.t(' and ')),
    formatBytes(excluded.bytes),
  );
}

/** Every path behind the counts above, one line each, so "3 blocked" can be looked up. */
export function logReportDetails(report: PullReport, logger: Logger): void {
  for (const relativePath of report.checksumMismatches ?? []) {
    logger.warn(
      `Not written: ${relativePath} (its SHA-1 never matched Box's; it changed on Box during the pull)`,
    );
  }
  for (const relativePath of report.skippedByPolicy) logger.info(`Kept existing file: ${relativePath}`);
  for (const relativePath of report.alreadyUpToDate) logger.info(`Already up to date: ${relativePath}`);
  for (const relativePath of report.protectedFiles)
    logger.info(`Not replaced, unsaved changes: ${relativePath}`);
  for (const { relativePath, reason } of report.blocked) logger.warn(`Blocked: ${relativePath} (${reason})`);
  for (const { archiveName, relativePath, reason } of report.renamed) {
    logger.info(`Renamed: ${archiveName} → ${relativePath} (${reason})`);
  }
  for (const folder of report.cleanedUp) logger.info(`Removed ${folder}, left by an interrupted download`);
  for (const { relativePath, reason } of report.nonPortable) {
    logger.info(`Kept a name Windows could not store: ${relativePath} (${reason})`);
  }
  for (const { originalName, downloadName } of report.nameConflicts) {
    logger.info(`Renamed a duplicate name: ${originalName} → ${downloadName}`);
  }
}
