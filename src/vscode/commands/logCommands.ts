// Show Log: the "Box Pull" output channel (also offered by error notifications and error rows in the tree).
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { ExtensionLog } from '../log';

export function registerLogCommands(log: ExtensionLog): vscode.Disposable[] {
  return [vscode.commands.registerCommand(Commands.showLog, () => log.show())];
}
