// Get Started: opens the walkthrough (sign in, browse, download, pull updates). VS Code also lists it under
// Welcome › Walkthroughs; the command makes it reachable from the Box view and the palette.
import * as vscode from 'vscode';
import { Commands, WALKTHROUGH_ID } from '../constants';

export function registerWalkthroughCommands(): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.openWalkthrough, () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
    ),
  ];
}
