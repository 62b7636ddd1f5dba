// Sign in (three ways) and sign out.
import * as vscode from 'vscode';
import type { SignInFlows } from '../auth/signInFlows';
import type { SignOut } from '../auth/signOut';
import { Commands } from '../constants';

export function registerAuthCommands(flows: SignInFlows, signOut: SignOut): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.signIn, () => flows.signInWithBrowser()),
    vscode.commands.registerCommand(Commands.useDeveloperToken, () => flows.useDeveloperToken()),
    vscode.commands.registerCommand(Commands.signInWithClientCredentials, () =>
      flows.signInWithClientCredentials(),
    ),
    // Returns the SignOutOutcome (for tests), undefined when nobody was signed in.
    vscode.commands.registerCommand(Commands.signOut, () => signOut.signOut()),
  ];
}
