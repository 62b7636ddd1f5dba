// The extension's one log: a LogOutputChannel ("Box Pull" in the Output view, level set with "Developer: Set Log
// Level") behind the core's redacting logger, so no token, secret or ZIP URL reaches it whatever the caller passes.
import * as vscode from 'vscode';
import { createRedactingLogger, type Logger } from '../core/logger';

export interface ExtensionLog extends vscode.Disposable {
  readonly logger: Logger;
  readonly channel: vscode.LogOutputChannel;
  /** Adds literal values (the tokens in use) that must be replaced wherever they appear. */
  addSecret(secret: string): void;
  show(): void;
}

export function createExtensionLog(): ExtensionLog {
  const channel = vscode.window.createOutputChannel('Box Pull', { log: true });
  const secrets = new Set<string>();
  return {
    // Stack traces of the (minified) bundle only when someone asked for Debug or Trace: at the default Info level an
    // error is its message and causes, which hold the request and the request id.
    logger: createRedactingLogger(channel, () => secrets, {
      stacks: () => channel.logLevel === vscode.LogLevel.Debug || channel.logLevel === vscode.LogLevel.Trace,
    }),
    channel,
    addSecret: (secret) => {
      if (secret) secrets.add(secret);
    },
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}
