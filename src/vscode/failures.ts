// Where failures the user must hear about go. A session Box no longer accepts (an expired developer token, a
// refresh token that died) is forgotten, so the tree shows the sign-in welcome view again, with a warning that
// offers to sign in the same way; anything else is logged in full and shown in one line with Show Log.
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { messageOf } from '../core/errors';
import type { BoxAccount, SessionManager } from './auth/sessionManager';
import { Commands } from './constants';
import { isSignInRequired, signInRequiredAccount } from './errors';
import { showErrorWithLog, showWarningWithSignIn, type NotifyAction } from './notify';

export class Failures {
  constructor(
    private readonly sessions: SessionManager,
    private readonly logger: Logger,
  ) {}

  /** Handles `error` if it means "sign in (again)" and says whether it did. */
  async handledAsSignIn(error: unknown): Promise<boolean> {
    if (!isSignInRequired(error)) return false;
    await this.signInAgain(error);
    return true;
  }

  /** A sign-in problem goes to `handledAsSignIn`; anything else is logged (as `logMessage`) and shown as `message`. */
  async report(
    message: string,
    error: unknown,
    logMessage = message,
    actions: readonly NotifyAction[] = [],
  ): Promise<void> {
    if (await this.handledAsSignIn(error)) return;
    this.logger.error(logMessage, error);
    void showErrorWithLog(message, actions);
  }

  /** Says why the active session cannot be used at the current address, if it cannot (after a settings change). */
  explainOriginChange(): void {
    const problem = this.sessions.originProblem();
    if (!problem) return;
    this.logger.warn(problem.message);
    const account = this.sessions.activeAccount;
    void showWarningWithSignIn(problem.message, account && SIGN_IN_AGAIN[account.kind]);
  }

  private async signInAgain(error: unknown): Promise<void> {
    if (isSignInRequired(error, 'not_signed_in')) {
      // Nobody was signed in: the user ran a command that needs Box.
      void showWarningWithSignIn(vscode.l10n.t('Sign in to Box first.'));
      return;
    }
    if (isSignInRequired(error, 'origin_changed')) {
      // The session belongs to another server: kept (the address may be put back), but unusable here.
      this.logger.warn(messageOf(error));
      const account = this.sessions.activeAccount;
      void showWarningWithSignIn(messageOf(error), account && SIGN_IN_AGAIN[account.kind]);
      return;
    }
    // The session that failed, which is not necessarily the active one (a download of an account the user has
    // since switched away from). Without a name, forget nothing: the wrong account must not be signed out.
    const accountId = signInRequiredAccount(error);
    const account = accountId === undefined ? undefined : await this.sessions.discard(accountId);
    if (!account) {
      if (accountId === undefined) {
        this.logger.warn('Box asks to sign in again', error);
        void showWarningWithSignIn(vscode.l10n.t('Box needs you to sign in again.'));
      }
      return; // otherwise another failure got here first
    }
    this.logger.warn(`Box no longer accepts the session of user ${account.id}`, error);
    void showWarningWithSignIn(
      vscode.l10n.t('Box needs you to sign in again ({0}).', account.login ?? account.name),
      SIGN_IN_AGAIN[account.kind],
    );
  }
}

/** The command that signs in again the way an account signed in last time. */
const SIGN_IN_AGAIN: Record<BoxAccount['kind'], string> = {
  oauth: Commands.signIn,
  developerToken: Commands.useDeveloperToken,
  clientCredentials: Commands.signInWithClientCredentials,
};
