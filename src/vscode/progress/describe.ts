// Progress as words, without VS Code: "42% · 1,204/5,000 files · 12 MB/s · 0:41 left". The status bar, its
// tooltip, the notification and the Downloads list all use these; `format.ts` hands in VS Code's l10n and UI
// language. This file must never import `vscode`, so that unit tests can load it. Byte counts and times reuse the
// core's formatting so the CLI and the extension agree.
import { formatBytes, formatDuration, type PullProgress } from '../../core/pull/progress';

export interface ProgressWords {
  /** `vscode.l10n`. Calls stay literal `l10n.t('…')` so that the l10n bundle export still finds the strings. */
  l10n: { t(message: string, ...args: (string | number | boolean)[]): string };
  /** `vscode.env.language`, for thousands separators. */
  language: string;
}

export function formatCount(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

/** The status bar's text after "Box": percentage, files (or bytes when the total is unknown), rate, time left. */
export function describeProgress(
  progress: PullProgress | undefined,
  { l10n, language }: ProgressWords,
): string {
  if (progress?.phase === 'preparing' && progress.foldersListed !== undefined) {
    // A large or filtered folder is listed before anything downloads; a count that grows says it is not stuck.
    return progress.foldersListed === 1
      ? l10n.t('Listing… 1 folder')
      : l10n.t('Listing… {0} folders', formatCount(progress.foldersListed, language));
  }
  if (!progress || progress.phase === 'preparing') return l10n.t('preparing…');
  const parts: string[] = [];
  if (progress.fraction !== undefined) parts.push(`${Math.floor(progress.fraction * 100)}%`);
  // A silent connection says so, rather than showing the last good speed and time left.
  if (progress.stalledSeconds !== undefined) {
    parts.push(l10n.t('stalled {0}', formatDuration(progress.stalledSeconds)));
  }
  // The percentage holds still while a fresh download catches up: say why.
  if ((progress.attempt ?? 1) > 1 && progress.phase !== 'done') {
    parts.push(
      progress.maxAttempts
        ? l10n.t('retrying ({0}/{1})', progress.attempt!, progress.maxAttempts)
        : l10n.t('retrying (attempt {0})', progress.attempt!),
    );
  }
  if (progress.totalFiles !== undefined) {
    parts.push(
      l10n.t(
        '{0}/{1} files',
        formatCount(progress.filesDone, language),
        formatCount(progress.totalFiles, language),
      ),
    );
  } else {
    parts.push(formatBytes(progress.bytesDownloaded));
  }
  if (progress.phase === 'downloading' && progress.bytesPerSecond > 0) {
    parts.push(`${formatBytes(progress.bytesPerSecond)}/s`);
  }
  if (progress.etaSeconds !== undefined && Number.isFinite(progress.etaSeconds) && progress.etaSeconds >= 1) {
    parts.push(l10n.t('{0} left', formatDuration(progress.etaSeconds)));
  }
  return parts.join(' · ');
}

/**
 * The notification's message: the status bar's words, after the phase once past downloading. Not while preparing
 * or downloading: the title already says "downloading", and "downloading X: Downloading" only repeats it.
 */
export function describeNotification(progress: PullProgress | undefined, host: ProgressWords): string {
  const text = describeProgress(progress, host);
  if (!progress || progress.phase === 'preparing' || progress.phase === 'downloading') return text;
  return `${describePhase(progress, host)} · ${text}`;
}

/** What the pipeline is doing, for the notification's message. */
export function describePhase(progress: PullProgress | undefined, { l10n }: ProgressWords): string {
  switch (progress?.phase) {
    case undefined:
    case 'preparing':
      return progress?.foldersListed !== undefined
        ? l10n.t('Listing the folder on Box…')
        : l10n.t('Asking Box to prepare the download…');
    case 'downloading':
      return l10n.t('Downloading');
    case 'extracting':
      return l10n.t('Extracting');
    case 'placing':
      return l10n.t('Moving files into place');
    case 'done':
      return l10n.t('Done');
  }
}

/** Several downloads as one: sums of counts and rates, the mean completion, the longest time left. */
export function combineProgress(all: (PullProgress | undefined)[]): PullProgress | undefined {
  const known = all.filter((p): p is PullProgress => p !== undefined && p.phase !== 'preparing');
  if (known.length === 0) return listing(all);
  if (known.length === 1 && all.length === 1) return known[0];
  const everyTotal = known.length === all.length && known.every((p) => p.totalFiles !== undefined);
  const everyFraction = known.length === all.length && known.every((p) => p.fraction !== undefined);
  const etas = known.map((p) => p.etaSeconds).filter((eta): eta is number => eta !== undefined);
  return {
    phase: known.some((p) => p.phase === 'downloading') ? 'downloading' : known[0].phase,
    bytesDownloaded: sum(known.map((p) => p.bytesDownloaded)),
    filesDone: sum(known.map((p) => p.filesDone)),
    totalFiles: everyTotal ? sum(known.map((p) => p.totalFiles ?? 0)) : undefined,
    bytesPerSecond: sum(known.map((p) => p.bytesPerSecond)),
    fraction: everyFraction ? sum(known.map((p) => p.fraction ?? 0)) / known.length : undefined,
    etaSeconds: etas.length === known.length && etas.length > 0 ? Math.max(...etas) : undefined,
    // One of them starting over is worth saying; the highest attempt says it.
    attempt: Math.max(...known.map((p) => p.attempt ?? 1)),
    ...maxAttempts(known),
    ...stalled(known),
  };
}

/** Only listings and downloads Box is still preparing: the folders listed so far, summed; else nothing to say. */
function listing(all: (PullProgress | undefined)[]): PullProgress | undefined {
  const counts = all.map((p) => p?.foldersListed).filter((n): n is number => n !== undefined);
  if (counts.length === 0) return undefined;
  return {
    phase: 'preparing',
    bytesDownloaded: 0,
    filesDone: 0,
    bytesPerSecond: 0,
    foldersListed: sum(counts),
  };
}

function maxAttempts(known: PullProgress[]): Pick<PullProgress, 'maxAttempts'> {
  const max = known.find((p) => p.maxAttempts !== undefined)?.maxAttempts;
  return max === undefined ? {} : { maxAttempts: max };
}

/** Stalled only when every one of them is: one download still moving keeps the whole from being stuck. */
function stalled(known: PullProgress[]): Pick<PullProgress, 'stalledSeconds'> {
  if (!known.every((p) => p.stalledSeconds !== undefined)) return {};
  return { stalledSeconds: Math.min(...known.map((p) => p.stalledSeconds!)) };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
