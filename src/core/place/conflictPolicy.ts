// What to do when a downloaded file would land on an existing one. Shared by the pipeline, the CLI and the VS Code
// layer, which answer `ask` through their own ConflictPrompter (a terminal question, a modal dialog).

/** `ask` defers each conflict to a ConflictPrompter; the others decide without asking. */
export type ConflictPolicy = 'overwrite' | 'skip' | 'ask';
/** A prompter's answer; the `...All` forms apply to this conflict and every later one of the same pull. */
export type ConflictDecision = 'overwrite' | 'skip' | 'overwriteAll' | 'skipAll';

export interface FileConflict {
  relativePath: string;
  destinationPath: string;
}

export interface ConflictPrompter {
  decide(conflict: FileConflict): Promise<ConflictDecision>;
}
