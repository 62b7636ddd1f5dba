// The three ways to sign in (browser OAuth with the user's own Box app, a pasted developer token, client
// credentials) and the environment bootstrap for demos and tests. Every question goes through the Prompter; each
// flow ends by asking /users/me who the token belongs to and storing the session under that account id.
import * as vscode from 'vscode';
import type { StoredCredentials } from '../../core/auth/tokenManager';
import type { Logger } from '../../core/logger';
import { saveOAuthClientId, type BoxPullEnvironment } from '../config';
import type { Connection } from '../connection';
import { isAbort, isSignInRequired, oauthErrorCode } from '../errors';
import { loadHeavy } from '../heavy';
import { showErrorWithLog } from '../notify';
import type { Prompter } from '../prompter';
import { clientSecretKey } from './secretTokenStore';
import type { BoxAccount, SessionManager } from './sessionManager';
import { describeFailure } from '../../core/failureText';
import { redirectHooks } from './remoteRedirect';

export type SignInMethod = 'oauth' | 'developerToken' | 'clientCredentials';

export class SignInFlows {
  constructor(
    private readonly sessions: SessionManager,
    private readonly connection: Connection,
    private readonly prompter: Prompter,
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: Logger,
  ) {}

  /** Asks which way to sign in (the Accounts menu's "Sign in" lands here). */
  async chooseAndSignIn(): Promise<BoxAccount | undefined> {
    const method = await this.prompter.pick<SignInMethod>({
      id: 'signInMethod',
      title: vscode.l10n.t('Sign in to Box'),
      placeholder: vscode.l10n.t('How do you want to sign in?'),
      items: [
        {
          label: vscode.l10n.t('Sign in with Box'),
          detail: vscode.l10n.t('Opens Box in your browser. Uses your own Box app (client ID and secret).'),
          icon: 'globe',
          value: 'oauth',
        },
        {
          label: vscode.l10n.t('Use a Developer Token'),
          detail: vscode.l10n.t('Paste a token from your Box app’s configuration page. It lasts 60 minutes.'),
          icon: 'key',
          value: 'developerToken',
        },
        {
          label: vscode.l10n.t('Sign in with Client Credentials'),
          detail: vscode.l10n.t('For Box apps with server authentication (client credentials grant).'),
          icon: 'organization',
          value: 'clientCredentials',
        },
      ],
    });
    switch (method) {
      case 'oauth':
        return this.signInWithBrowser();
      case 'developerToken':
        return this.useDeveloperToken();
      case 'clientCredentials':
        return this.signInWithClientCredentials();
      default:
        return undefined;
    }
  }

  async signInWithBrowser(): Promise<BoxAccount | undefined> {
    const settings = this.connection.settings();
    let clientId = settings.oauthClientId;
    if (!clientId) {
      clientId =
        (
          await this.prompter.input({
            id: 'oauthClientId',
            title: vscode.l10n.t('Sign in with Box (1/2)'),
            prompt: vscode.l10n.t(
              'Client ID of your Box app (Platform App, OAuth 2.0, redirect URI http://127.0.0.1/callback). It is saved in the boxPull.oauthClientId setting.',
            ),
            validate: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter the client ID.')),
          })
        )?.trim() ?? '';
      if (!clientId) return undefined;
      await saveOAuthClientId(clientId);
    }
    const secretKey = clientSecretKey(clientId);
    let clientSecret = await this.secrets.get(secretKey);
    if (clientSecret) this.sessions.redactFromLogs(clientSecret);
    if (!clientSecret) {
      clientSecret = (
        await this.prompter.input({
          id: 'oauthClientSecret',
          title: vscode.l10n.t('Sign in with Box (2/2)'),
          prompt: vscode.l10n.t('Client secret of your Box app. It is kept in VS Code’s secret storage.'),
          password: true,
          validate: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter the client secret.')),
        })
      )?.trim();
      if (!clientSecret) return undefined;
      this.sessions.redactFromLogs(clientSecret);
    }
    const app = { clientId, clientSecret };
    return this.run(vscode.l10n.t('Waiting for you to approve access in the browser…'), async (signal) => {
      const { signInWithOAuth } = await loadHeavy();
      const endpoints = await this.connection.endpoints();
      let tokens;
      try {
        tokens = await signInWithOAuth({
          endpoints,
          app,
          openBrowser: (url) => this.prompter.openBrowser(url),
          ...redirectHooks(this.prompter, this.logger),
          signal,
        });
      } catch (error) {
        // A wrong secret must be asked for again next time, not reused forever.
        if (oauthErrorCode(error) === 'invalid_client') await this.secrets.delete(secretKey);
        throw error;
      }
      await this.secrets.store(secretKey, clientSecret);
      // Recorded as issued by the address the sign-in went to; its credentials go nowhere else.
      const issuer = endpoints.apiBaseUrl;
      return this.store({ kind: 'oauth', tokens, app, issuer }, tokens.accessToken, signal);
    });
  }

  async useDeveloperToken(): Promise<BoxAccount | undefined> {
    const token = (
      await this.prompter.input({
        id: 'developerToken',
        title: vscode.l10n.t('Use a Box Developer Token'),
        prompt: vscode.l10n.t(
          'Paste the developer token from your Box app’s configuration page. Developer tokens expire after 60 minutes.',
        ),
        password: true,
        validate: (value) =>
          /^\S+$/.test(value.trim())
            ? undefined
            : vscode.l10n.t('A developer token is one word without spaces.'),
      })
    )?.trim();
    if (!token) return undefined;
    this.sessions.redactFromLogs(token);
    return this.run(
      vscode.l10n.t('Checking the developer token…'),
      (signal) => this.store({ kind: 'developerToken', accessToken: token }, token, signal),
      vscode.l10n.t(
        'Box did not accept this developer token. Developer tokens expire 60 minutes after they are made.',
      ),
    );
  }

  async signInWithClientCredentials(): Promise<BoxAccount | undefined> {
    const title = vscode.l10n.t('Sign in with Client Credentials');
    const clientId = (
      await this.prompter.input({
        id: 'ccgClientId',
        title,
        prompt: vscode.l10n.t('Client ID of your Box app (server authentication, client credentials grant).'),
        validate: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter the client ID.')),
      })
    )?.trim();
    if (!clientId) return undefined;
    const clientSecret = (
      await this.prompter.input({
        id: 'ccgClientSecret',
        title,
        prompt: vscode.l10n.t('Client secret of the app. It is kept in VS Code’s secret storage.'),
        password: true,
        validate: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter the client secret.')),
      })
    )?.trim();
    if (!clientSecret) return undefined;
    this.sessions.redactFromLogs(clientSecret);
    const subjectType = await this.prompter.pick<'enterprise' | 'user'>({
      id: 'ccgSubjectType',
      title,
      placeholder: vscode.l10n.t('Whose files should Box Pull see?'),
      items: [
        {
          label: vscode.l10n.t('The enterprise’s service account'),
          icon: 'organization',
          value: 'enterprise',
        },
        { label: vscode.l10n.t('A managed user'), icon: 'person', value: 'user' },
      ],
    });
    if (!subjectType) return undefined;
    const subjectId = (
      await this.prompter.input({
        id: 'ccgSubjectId',
        title,
        prompt:
          subjectType === 'enterprise'
            ? vscode.l10n.t('Enterprise ID (Admin Console → Account & Billing).')
            : vscode.l10n.t('User ID of the managed user.'),
        validate: (value) => (/^\d+$/.test(value.trim()) ? undefined : vscode.l10n.t('Enter a numeric ID.')),
      })
    )?.trim();
    if (!subjectId) return undefined;
    const app = { clientId, clientSecret };
    const subject = { type: subjectType, id: subjectId };
    return this.run(vscode.l10n.t('Requesting a token from Box…'), async (signal) => {
      const { clientCredentialsGrant } = await loadHeavy();
      const endpoints = await this.connection.endpoints();
      const tokens = await clientCredentialsGrant(endpoints, app, subject, signal);
      const credentials = {
        kind: 'clientCredentials' as const,
        tokens,
        app,
        subject,
        issuer: endpoints.apiBaseUrl,
      };
      return this.store(credentials, tokens.accessToken, signal);
    });
  }

  /** Asks Box who the token belongs to and keeps the session under that account. */
  private async store(
    credentials: StoredCredentials,
    accessToken: string,
    signal: AbortSignal,
  ): Promise<BoxAccount> {
    const client = await this.sessions.clientForToken(accessToken);
    const user = await client.getCurrentUser({ fields: ['id', 'name', 'login'], signal });
    return this.sessions.addSession(credentials, user);
  }

  /** Runs a sign-in step under a cancellable notification and reports the outcome. */
  private async run(
    title: string,
    step: (signal: AbortSignal) => Promise<BoxAccount>,
    refusedMessage?: string,
  ): Promise<BoxAccount | undefined> {
    const controller = new AbortController();
    try {
      const account = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return step(controller.signal);
        },
      );
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Signed in to Box as {0}.', account.login ?? account.name),
      );
      return account;
    } catch (error) {
      // Closing the paste box (remote sign-in) is a cancel too.
      if (isAbort(error, controller.signal) || oauthErrorCode(error) === 'cancelled') {
        this.logger.info('Box sign-in cancelled');
        return undefined;
      }
      this.logger.error('Box sign-in failed', error);
      const message =
        refusedMessage && isSignInRequired(error)
          ? refusedMessage
          : vscode.l10n.t('Could not sign in to Box: {0}', describeFailure(error));
      void showErrorWithLog(message);
      return undefined;
    }
  }
}

/**
 * BOX_PULL_DEV_TOKEN (for `npm start` and the integration tests; never in Production mode, see honouredEnvironment):
 * when it is set and no session exists, or the
 * active session is an older developer token, it becomes the session. Runs after activation, never during it.
 */
export async function bootstrapFromEnvironment(
  sessions: SessionManager,
  logger: Logger,
  environment: BoxPullEnvironment,
): Promise<void> {
  const token = environment.BOX_PULL_DEV_TOKEN?.trim();
  if (!token) return;
  await sessions.initialise();
  const active = sessions.activeAccount;
  if (active) {
    const stored = await sessions.storedCredentials(active.id);
    if (stored?.kind !== 'developerToken' || stored.accessToken === token) return;
  }
  try {
    const client = await sessions.clientForToken(token);
    const user = await client.getCurrentUser({ fields: ['id', 'name', 'login'] });
    await sessions.addSession({ kind: 'developerToken', accessToken: token }, user);
    logger.info('Signed in with the developer token from BOX_PULL_DEV_TOKEN');
  } catch (error) {
    logger.warn('BOX_PULL_DEV_TOKEN is set but Box did not accept it', error);
  }
}
