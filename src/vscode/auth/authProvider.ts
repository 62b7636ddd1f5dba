// "Box" in VS Code's Accounts menu. The provider is a view of the SessionManager: the extension itself never asks
// VS Code for sessions (so no consent dialogs), but users see who is signed in and can sign out from the menu.
import * as vscode from 'vscode';
import { AUTH_PROVIDER_ID, AUTH_PROVIDER_LABEL } from '../constants';
import type { BoxAccount, SessionManager } from './sessionManager';
import type { SignInFlows } from './signInFlows';
import type { SignOut } from './signOut';

export class BoxAuthenticationProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly changed =
    new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  private readonly disposables: vscode.Disposable[] = [];

  readonly onDidChangeSessions = this.changed.event;

  constructor(
    private readonly sessions: SessionManager,
    private readonly signIn: SignInFlows,
    private readonly signOut: SignOut,
  ) {
    this.disposables.push(
      this.changed,
      vscode.authentication.registerAuthenticationProvider(AUTH_PROVIDER_ID, AUTH_PROVIDER_LABEL, this, {
        supportsMultipleAccounts: true,
      }),
      sessions.onDidChange(async (change) => {
        this.changed.fire({
          added: await Promise.all(change.added.map((account) => this.toSession(account))),
          removed: change.removed.map((account) => this.placeholderSession(account)),
          changed: [],
        });
      }),
    );
  }

  async getSessions(): Promise<vscode.AuthenticationSession[]> {
    await this.sessions.initialise();
    return Promise.all(this.sessions.accounts.map((account) => this.toSession(account)));
  }

  async createSession(): Promise<vscode.AuthenticationSession> {
    const account = await this.signIn.chooseAndSignIn();
    if (!account) throw new Error(vscode.l10n.t('Sign-in to Box was cancelled.'));
    return this.toSession(account);
  }

  async removeSession(sessionId: string): Promise<void> {
    await this.signOut.signOut(sessionId);
  }

  private async toSession(account: BoxAccount): Promise<vscode.AuthenticationSession> {
    return {
      ...this.placeholderSession(account),
      accessToken: (await this.sessions.storedAccessToken(account.id)) ?? '',
    };
  }

  private placeholderSession(account: BoxAccount): vscode.AuthenticationSession {
    return {
      id: account.id,
      accessToken: '',
      account: { id: account.id, label: account.login ?? account.name },
      scopes: [],
    };
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
