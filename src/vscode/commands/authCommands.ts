// Sign in (three ways) and sign out.
import * as vscode from 'vscode';
import type { SessionManager } from '../auth/sessionManager';
import type { SignInFlows } from '../auth/signInFlows';
import { Commands } from '../constants';

export function registerAuthCommands(sessions: SessionManager, flows: SignInFlows): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.signIn, () => flows.signInWithBrowser()),
    vscode.commands.registerCommand(Commands.useDeveloperToken, () => flows.useDeveloperToken()),
    vscode.commands.registerCommand(Commands.signInWithClientCredentials, () =>
      flows.signInWithClientCredentials(),
    ),
    vscode.commands.registerCommand(Commands.signOut, async () => {
      const account = await sessions.signOut();
      if (account) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Signed out of Box ({0}).', account.login ?? account.name),
        );
      }
      return account !== undefined;
    }),
  ];
}
