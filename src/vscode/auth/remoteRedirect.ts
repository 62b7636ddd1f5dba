// The browser sign-in's redirect when VS Code may run on another machine than the browser. "Remote" means the
// extension host is not where the user's browser is: VS Code names a remote (`env.remoteName`: ssh-remote, wsl,
// codespaces, dev-container, ...) or the workbench itself runs in a browser (`env.uiKind` Web: code-server,
// vscode.dev). Then asExternalUri decides: a forwarded loopback port still works, anything else means pasting the
// address. The boxPull.signInRedirect setting overrides the guess either way.
import * as vscode from 'vscode';
import { chooseRedirect, type RedirectChoice, type RedirectMode } from '../../core/auth/redirect';
import type { Logger } from '../../core/logger';
import type { Prompter } from '../prompter';

export function isRemoteHost(): boolean {
  return vscode.env.remoteName !== undefined || vscode.env.uiKind === vscode.UIKind.Web;
}

function redirectMode(): RedirectMode {
  const mode = vscode.workspace.getConfiguration('boxPull').get<string>('signInRedirect', 'auto');
  return mode === 'loopback' || mode === 'paste' ? mode : 'auto';
}

/** The two sign-in hooks (see core/auth/signIn.ts) for this window. */
export function redirectHooks(prompter: Prompter, logger: Logger) {
  return {
    chooseRedirect: async (local: string): Promise<RedirectChoice> => {
      const mode = redirectMode();
      const remote = isRemoteHost();
      const external =
        mode === 'auto' && remote
          ? (await vscode.env.asExternalUri(vscode.Uri.parse(local))).toString(true)
          : undefined;
      const choice = chooseRedirect({ mode, remote, local, external });
      logger.info(
        `Box sign-in redirect: ${choice.codeFrom} (setting ${mode}, ${remote ? `remote host, forwarded as ${external}` : 'local host'})`,
      );
      return choice;
    },
    pasteAddress: (
      isAnswer: (text: string) => string | undefined,
      signal: AbortSignal,
    ): Promise<string | undefined> =>
      prompter.input({
        signal,
        id: 'pasteSignInAddress',
        title: vscode.l10n.t('Finish signing in to Box'),
        prompt: vscode.l10n.t(
          'After you allow access, your browser shows an address starting with http://127.0.0.1 (the page may not load). Paste that whole address here.',
        ),
        placeholder: 'http://127.0.0.1:…/callback?code=…&state=…',
        password: true, // it carries a live authorization code
        validate: (text) => (text.trim() ? isAnswer(text) : vscode.l10n.t('Paste the address.')),
      }),
  };
}
