// Notifications that offer the log. They are never awaited by the command that raised them: a command (and a
// test driving it) must not wait for someone to click a button.
import * as vscode from 'vscode';
import { Commands } from './constants';

/** A button on a notification besides Show Log, such as Retry. */
export interface NotifyAction {
  title: string;
  run(): unknown;
}

export async function showErrorWithLog(
  message: string,
  actions: readonly NotifyAction[] = [],
): Promise<void> {
  const showLog = vscode.l10n.t('Show Log');
  const choice = await vscode.window.showErrorMessage(message, ...actions.map((a) => a.title), showLog);
  if (choice === showLog) {
    await vscode.commands.executeCommand(Commands.showLog);
    return;
  }
  await actions.find((action) => action.title === choice)?.run();
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
