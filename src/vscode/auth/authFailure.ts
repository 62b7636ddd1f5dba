// What happens when Box stops accepting the session (an expired developer token, a refresh token that died):
// forget it, so the tree shows the sign-in welcome view again, and say so once.
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { Commands } from '../constants';
import { showWarningWithSignIn } from '../notify';
import { NotSignedInError, type SessionManager } from './sessionManager';

export async function handleSignInRequired(
  sessions: SessionManager,
  logger: Logger,
  error: unknown,
): Promise<void> {
  if (error instanceof NotSignedInError) {
    // Nobody was signed in: the user ran a command that needs Box.
    void showWarningWithSignIn(vscode.l10n.t('Sign in to Box first.'));
    return;
  }
  const account = await sessions.discardActive();
  if (!account) return; // another failure got here first
  logger.warn(`Box no longer accepts the session of user ${account.id}`, error);
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
