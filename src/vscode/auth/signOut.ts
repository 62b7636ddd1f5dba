// Sign-out removes everything of the account: its tokens (revoked at the server that issued them), its credentials
// and its recent folders. The Box app's client secret belongs to the app, not the account, so the user is asked
// whether to forget it too. When Box could not revoke the tokens, the user is told so; it never goes unsaid.
import * as vscode from 'vscode';
import { messageOf } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { RecentFolders } from '../download/recentFolders';
import type { Prompter } from '../prompter';
import { clientSecretKey } from './secretTokenStore';
import type { SessionManager } from './sessionManager';

export interface SignOutOutcome {
  accountId: string;
  /** False when Box was not told (unreachable, refused, or the lock failed): the tokens may still work there. */
  revoked: boolean;
  /** The user chose to forget the app's client secret too. */
  forgotClientSecret: boolean;
  /** What the user was told. */
  message: string;
}

export class SignOut {
  constructor(
    private readonly sessions: SessionManager,
    private readonly prompter: Prompter,
    private readonly secrets: vscode.SecretStorage,
    private readonly recent: RecentFolders,
    private readonly logger: Logger,
  ) {}

  /** Signs the account (the active one by default) out; undefined when there is no such account. */
  async signOut(accountId = this.sessions.activeAccount?.id): Promise<SignOutOutcome | undefined> {
    if (accountId === undefined) return undefined;
    const stored = await this.sessions.storedCredentials(accountId);
    const signedOut = await this.sessions.signOut(accountId);
    if (!signedOut) return undefined;
    const { account, revokeError } = signedOut;
    await this.recent.forget(account.id);
    const forgotClientSecret =
      stored?.kind === 'oauth' ? await this.offerToForgetSecret(stored.app.clientId) : false;
    const who = account.login ?? account.name;
    const message = revokeError
      ? vscode.l10n.t(
          'Signed out of Box ({0}) on this computer, but Box could not revoke its tokens: {1}',
          who,
          messageOf(revokeError),
        )
      : vscode.l10n.t('Signed out of Box ({0}).', who);
    if (revokeError) void vscode.window.showWarningMessage(message);
    else void vscode.window.showInformationMessage(message);
    return { accountId: account.id, revoked: !revokeError, forgotClientSecret, message };
  }

  private async offerToForgetSecret(clientId: string): Promise<boolean> {
    const key = clientSecretKey(clientId);
    if (!(await this.secrets.get(key))) return false;
    const forget = await this.prompter.confirm({
      id: 'forgetClientSecret',
      message: vscode.l10n.t('Also forget the client secret of the Box app {0}?', clientId),
      detail: vscode.l10n.t(
        'It belongs to the app, not to your account. Keep it to sign in again without typing it.',
      ),
      confirmLabel: vscode.l10n.t('Forget the Secret'),
    });
    if (!forget) return false;
    await this.secrets.delete(key);
    this.logger.info(`Forgot the client secret of Box app ${clientId}`);
    return true;
  }
}
