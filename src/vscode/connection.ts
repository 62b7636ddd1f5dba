// How to reach Box right now: settings (API and sign-in origins) and one undici dispatcher built from VS Code's
// proxy settings. Rebuilt when those settings change; existing downloads keep the dispatcher they started with.
import * as vscode from 'vscode';
import type { OAuthEndpoints } from '../core/auth/oauthClient';
import type { BoxClient, TokenProvider } from '../core/box/client';
import type { Logger } from '../core/logger';
import { assertUsableAddress } from '../core/box/address';
import {
  affectsConnection,
  readProxySettings,
  readSettings,
  type BoxPullEnvironment,
  type BoxPullSettings,
} from './config';
import { loadHeavy } from './heavy';

type Dispatcher = OAuthEndpoints['dispatcher'];

export class Connection implements vscode.Disposable {
  private dispatcherPromise: Promise<Dispatcher> | undefined;
  private generationCounter = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;

  /** Fires when the API origin or proxy settings change: clients built before are stale. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly logger: Logger,
    /** BOX_PULL_API_URL and friends, when honoured (see honouredEnvironment). */
    private readonly environment: BoxPullEnvironment = {},
  ) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affectsConnection(event)) return;
      this.dispatcherPromise = undefined;
      this.generationCounter++;
      this.changed.fire();
    });
  }

  /** Increments on every relevant settings change; a cached client remembers the generation it was built in. */
  get generation(): number {
    return this.generationCounter;
  }

  settings(scope?: vscode.Uri): BoxPullSettings {
    return readSettings(scope, this.environment);
  }

  /** Where Box is now. Throws an AddressError (one line) for an address no credentials may go to (plain http). */
  async endpoints(): Promise<OAuthEndpoints> {
    const { apiBaseUrl, authBaseUrl } = this.settings();
    assertUsableAddress(apiBaseUrl);
    assertUsableAddress(authBaseUrl);
    return { apiBaseUrl, authorizeBaseUrl: authBaseUrl, dispatcher: await this.dispatcher() };
  }

  async createClient(tokenProvider: TokenProvider): Promise<BoxClient> {
    const { BoxClient } = await loadHeavy();
    const { apiBaseUrl } = this.settings();
    assertUsableAddress(apiBaseUrl);
    return new BoxClient({
      baseUrl: apiBaseUrl,
      tokenProvider,
      logger: this.logger,
      dispatcher: await this.dispatcher(),
      userAgent: 'box-pull-vscode',
    });
  }

  private dispatcher(): Promise<Dispatcher> {
    this.dispatcherPromise ??= loadHeavy().then(({ createDispatcher }) => {
      const proxy = readProxySettings();
      if (proxy.proxyUrl) this.logger.info('Using the proxy from the http.proxy setting');
      return createDispatcher({
        proxyUrl: proxy.proxyUrl,
        noProxy: proxy.noProxy,
        strictSSL: proxy.strictSSL,
      });
    });
    return this.dispatcherPromise;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
