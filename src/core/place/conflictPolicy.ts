// What to do when a downloaded file would land on an existing one. Shared by the pipeline, the CLI and the VS Code
// layer, which answer `ask` through their own ConflictPrompter (a terminal question, a modal dialog).

/** `ask` defers each conflict to a ConflictPrompter; the others decide without asking. */
export type ConflictPolicy = 'overwrite' | 'skip' | 'ask';
/** A prompter's answer; the `...All` forms apply to this conflict and every later one of the same pull. */
export type ConflictDecision = 'overwrite' | 'skip' | 'overwriteAll' | 'skipAll';

/** A file's size and last change, to compare Box's copy with the local one. */
export interface FileFacts {
  size: number;
  modifiedMs: number;
}

export interface FileConflict {
  relativePath: string;
  destinationPath: string;
  /** The staged copy from Box (read-only to the prompter, e.g. for a diff view). */
  incomingPath?: string;
  incoming?: FileFacts;
  existing?: FileFacts;
}

/**
 * Answers conflicts that remain after identical files (same size and SHA-1) were set aside: they are never asked.
 * `decideAll` gets every conflict at once (one list) and returns the relative paths to replace;
 * the rest are kept. `decide` is asked per file in path order (the terminal's question).
 */
export type ConflictPrompter =
  | { decide(conflict: FileConflict): Promise<ConflictDecision> }
  | { decideAll(conflicts: FileConflict[]): Promise<ReadonlySet<string>> };
