// Notifications that offer the log. They are never awaited by the command that raised them: a command (and a
// test driving it) must not wait for someone to click a button.
import * as vscode from 'vscode';
import { Commands } from './constants';

export async function showErrorWithLog(message: string): Promise<void> {
  const showLog = vscode.l10n.t('Show Log');
  if ((await vscode.window.showErrorMessage(message, showLog)) === showLog) {
    await vscode.commands.executeCommand(Commands.showLog);
  }
}

/** A warning with a button that runs `signInCommand` (the way the user signed in last time). */
export async function showWarningWithSignIn(
  message: string,
  signInCommand: string = Commands.signIn,
): Promise<void> {
  const signIn = vscode.l10n.t('Sign In');
  if ((await vscode.window.showWarningMessage(message, signIn)) === signIn) {
    await vscode.commands.executeCommand(signInCommand);
  }
}
