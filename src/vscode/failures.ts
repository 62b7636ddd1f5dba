// Where failures the user must hear about go. A session Box no longer accepts (an expired developer token, a
// refresh token that died) is forgotten, so the tree shows the sign-in welcome view again, with a warning that
// offers to sign in the same way; anything else is logged in full and shown in one line with Show Log.
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import type { SessionManager } from './auth/sessionManager';
import { Commands } from './constants';
import { isSignInRequired } from './errors';
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

  private async signInAgain(error: unknown): Promise<void> {
    if (isSignInRequired(error, 'not_signed_in')) {
      // Nobody was signed in: the user ran a command that needs Box.
      void showWarningWithSignIn(vscode.l10n.t('Sign in to Box first.'));
      return;
    }
    const account = await this.sessions.discardActive();
    if (!account) return; // another failure got here first
    this.logger.warn(`Box no longer accepts the session of user ${account.id}`, error);
    const again = {
      oauth: Commands.signIn,
      developerToken: Commands.useDeveloperToken,
      clientCredentials: Commands.signInWithClientCredentials,
    }[account.kind];
    void showWarningWithSignIn(
      vscode.l10n.t('Box needs you to sign in again ({0}).', account.login ?? account.name),
      again,
    );
  }
}
