// Box: Add Account and Box: Switch Account. Signing in never drops another account: each sign-in adds (or renews)
// the session of the user it belongs to and makes it the one in use; switching only changes which one that is.
import * as vscode from 'vscode';
import type { BoxAccount, SessionManager } from '../auth/sessionManager';
import type { SignInFlows } from '../auth/signInFlows';
import { Commands } from '../constants';
import type { PickItem, Prompter } from '../prompter';

const ADD = '\0add';

export function registerAccountCommands(
  sessions: SessionManager,
  flows: SignInFlows,
  prompter: Prompter,
): vscode.Disposable[] {
  return [
    // Both return the account now in use (for tests), undefined when the user backed out.
    vscode.commands.registerCommand(Commands.addAccount, () => flows.chooseAndSignIn()),
    vscode.commands.registerCommand(Commands.switchAccount, () => switchAccount(sessions, flows, prompter)),
  ];
}

async function switchAccount(
  sessions: SessionManager,
  flows: SignInFlows,
  prompter: Prompter,
): Promise<BoxAccount | undefined> {
  await sessions.initialise();
  const current = sessions.activeAccount;
  const items: PickItem<string>[] = sessions.accounts.map((account) => ({
    label: account.name,
    description:
      account.id === current?.id
        ? vscode.l10n.t('current · {0}', account.login ?? account.id)
        : (account.login ?? account.id),
    icon: account.id === current?.id ? 'check' : 'account',
    value: account.id,
  }));
  items.push(
    { label: '', separator: true },
    { label: vscode.l10n.t('Add Account…'), icon: 'add', value: ADD },
  );
  const choice = await prompter.pick<string>({
    id: 'switchAccount',
    title: vscode.l10n.t('Switch Box Account'),
    placeholder: vscode.l10n.t('Which Box account should Box Pull use?'),
    items,
  });
  if (choice === ADD) return flows.chooseAndSignIn();
  if (choice === undefined) return undefined;
  await sessions.switchTo(choice);
  return sessions.activeAccount;
}
