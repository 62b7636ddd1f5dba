// Progress as words in VS Code's language: the host-free wording in `describe.ts`, given VS Code's l10n and UI
// language.
import * as vscode from 'vscode';
import type { PullProgress } from '../../core/pull/progress';
import * as words from './describe';

export { combineProgress } from './describe';

const host = (): words.ProgressWords => ({ l10n: vscode.l10n, language: vscode.env.language });

export function formatCount(value: number): string {
  return words.formatCount(value, vscode.env.language);
}

/** The status bar's text after "Box": percentage, files (or bytes when the total is unknown), rate, time left. */
export function describeProgress(progress: PullProgress | undefined): string {
  return words.describeProgress(progress, host());
}

/** The notification's message (see describe.ts). */
export function describeNotification(progress: PullProgress | undefined): string {
  return words.describeNotification(progress, host());
}

/** What the pipeline is doing, for the notification's message. */
export function describePhase(progress: PullProgress | undefined): string {
  return words.describePhase(progress, host());
}
