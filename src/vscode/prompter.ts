// Every question the extension asks goes through this small port, so integration tests can answer them with a
// scripted implementation (installed through the extension's exported API) instead of hanging on a real dialog.
// Each request carries a stable `id` ('destination', 'developerToken', ...) that scripts key their answers on.
import * as vscode from 'vscode';
import { showConflictList, type ConflictListRequest } from './download/conflictList';

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  /** Codicon name without `$()`, shown before the label. */
  icon?: string;
  /** Omitted for separators. */
  value?: T;
  separator?: boolean;
  /** Stays visible whatever the user types (items computed from the typed value). */
  alwaysShow?: boolean;
}

export interface PickRequest<T> {
  /** Stable name of the question, for scripted prompters. */
  id: string;
  title?: string;
  placeholder?: string;
  /** May be a promise: the picker shows a busy bar until it resolves, and a rejection closes it with the error. */
  items: PickItem<T>[] | Promise<PickItem<T>[]>;
  /** Items derived from the typed text (a pasted link, an id), shown above the others. */
  itemsForValue?(value: string): PickItem<T>[];
}

export interface InputRequest {
  id: string;
  title?: string;
  prompt?: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  /** An error message for an unacceptable value, undefined when it is fine. */
  validate?(value: string): string | undefined;
  /** Closes the box (answer undefined) when aborted: the answer arrived another way. */
  signal?: AbortSignal;
}

export interface ConfirmRequest {
  id: string;
  message: string;
  detail?: string;
  /** The label of the button that means yes; Cancel is always offered. */
  confirmLabel: string;
}

export interface FolderRequest {
  id: string;
  title: string;
  openLabel: string;
  defaultUri?: vscode.Uri;
}

export interface Prompter {
  pick<T>(request: PickRequest<T>): Promise<T | undefined>;
  input(request: InputRequest): Promise<string | undefined>;
  confirm(request: ConfirmRequest): Promise<boolean>;
  /** The one list of files that differ from Box's: the paths to replace, or undefined when the user cancels. */
  conflicts(request: ConflictListRequest): Promise<ReadonlySet<string> | undefined>;
  pickFolder(request: FolderRequest): Promise<vscode.Uri | undefined>;
  /** Opens a URL in the user's browser (the Box sign-in page); false when it could not. */
  openBrowser(url: string): Promise<boolean>;
}

interface QuickPickEntry<T> extends vscode.QuickPickItem {
  value?: T;
}

export class VsCodePrompter implements Prompter {
  pick<T>(request: PickRequest<T>): Promise<T | undefined> {
    const quickPick = vscode.window.createQuickPick<QuickPickEntry<T>>();
    quickPick.title = request.title;
    quickPick.placeholder = request.placeholder;
    quickPick.matchOnDescription = true;
    quickPick.ignoreFocusOut = false;
    let baseItems: QuickPickEntry<T>[] = [];
    const render = () => {
      const typed = request.itemsForValue?.(quickPick.value).map(toQuickPickEntry) ?? [];
      quickPick.items = [...typed, ...baseItems];
    };
    return new Promise<T | undefined>((resolve, reject) => {
      let settled = false;
      const finish = (result: { value?: T; error?: unknown }) => {
        if (settled) return;
        settled = true;
        quickPick.dispose();
        if (result.error !== undefined) reject(result.error);
        else resolve(result.value);
      };
      quickPick.onDidChangeValue(render);
      quickPick.onDidAccept(() => {
        const [selected] = quickPick.selectedItems;
        if (selected && selected.kind !== vscode.QuickPickItemKind.Separator)
          finish({ value: selected.value });
      });
      quickPick.onDidHide(() => finish({}));
      quickPick.busy = true;
      quickPick.show();
      Promise.resolve(request.items).then(
        (items) => {
          baseItems = items.map(toQuickPickEntry);
          quickPick.busy = false;
          render();
        },
        (error: unknown) => finish({ error }),
      );
    });
  }

  async input(request: InputRequest): Promise<string | undefined> {
    const cancel = new vscode.CancellationTokenSource();
    const onAbort = () => cancel.cancel();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) cancel.cancel();
    try {
      return await vscode.window.showInputBox(
        {
          title: request.title,
          prompt: request.prompt,
          placeHolder: request.placeholder,
          value: request.value,
          password: request.password,
          ignoreFocusOut: true,
          validateInput: request.validate ? (value) => request.validate?.(value) : undefined,
        },
        cancel.token,
      );
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      cancel.dispose();
    }
  }

  async confirm(request: ConfirmRequest): Promise<boolean> {
    const answer = await vscode.window.showWarningMessage(
      request.message,
      { modal: true, detail: request.detail },
      request.confirmLabel,
    );
    return answer === request.confirmLabel;
  }

  conflicts(request: ConflictListRequest): Promise<ReadonlySet<string> | undefined> {
    return showConflictList(request);
  }

  async pickFolder(request: FolderRequest): Promise<vscode.Uri | undefined> {
    const picked = await vscode.window.showOpenDialog({
      title: request.title,
      openLabel: request.openLabel,
      defaultUri: request.defaultUri,
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
    });
    return picked?.[0];
  }

  async openBrowser(url: string): Promise<boolean> {
    // `strict` parsing keeps the query exactly as built; the authorize URL carries an encoded redirect_uri.
    return vscode.env.openExternal(vscode.Uri.parse(url, true));
  }
}

/** Forwards to the VS Code prompter, or to a replacement installed by tests. */
export class SwitchablePrompter implements Prompter {
  private override: Prompter | undefined;

  constructor(private readonly fallback: Prompter) {}

  set(prompter: Prompter | undefined): void {
    this.override = prompter;
  }

  private get current(): Prompter {
    return this.override ?? this.fallback;
  }

  pick<T>(request: PickRequest<T>): Promise<T | undefined> {
    return this.current.pick(request);
  }
  input(request: InputRequest): Promise<string | undefined> {
    return this.current.input(request);
  }
  confirm(request: ConfirmRequest): Promise<boolean> {
    return this.current.confirm(request);
  }
  conflicts(request: ConflictListRequest): Promise<ReadonlySet<string> | undefined> {
    return this.current.conflicts(request);
  }
  pickFolder(request: FolderRequest): Promise<vscode.Uri | undefined> {
    return this.current.pickFolder(request);
  }
  openBrowser(url: string): Promise<boolean> {
    return this.current.openBrowser(url);
  }
}

function toQuickPickEntry<T>(item: PickItem<T>): QuickPickEntry<T> {
  if (item.separator) return { label: item.label, kind: vscode.QuickPickItemKind.Separator };
  return {
    label: item.icon ? `$(${item.icon}) ${item.label}` : item.label,
    description: item.description,
    detail: item.detail,
    alwaysShow: item.alwaysShow,
    value: item.value,
  };
}
