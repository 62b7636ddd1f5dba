// What to do when a downloaded file would land on an existing one. Shared by the pipeline, the CLI and the VS Code
// layer, which answer `ask` through their own ConflictPrompter (a terminal question, the conflict list). Placing
// asks after a download; an update or a listed pull asks before it (core/update/askFirst.ts), so that a file the
// user keeps is never downloaded.
import { throwIfAborted } from '../abort';

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
  /** Asked before the download (no staged copy yet): Box's file, for a prompter to fetch by content to compare. */
  box?: { id: string; sha1?: string };
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

/**
 * The relative paths to replace, in path order, under `policy`: `overwrite` all, `skip` none, `ask` the prompter's
 * answers (`decideAll` at once, or `decide` per file with the `...All` answers sticking). A cancel while asking
 * throws the abort.
 */
export async function resolveConflicts(
  conflicts: readonly FileConflict[],
  policy: ConflictPolicy,
  prompter: ConflictPrompter | undefined,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const sorted = [...conflicts].sort((a, b) =>
    a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0,
  );
  if (policy !== 'ask' || sorted.length === 0)
    return new Set(policy === 'overwrite' ? sorted.map((c) => c.relativePath) : []);
  if (prompter === undefined) throw new TypeError("policy 'ask' needs a prompter");
  if ('decideAll' in prompter) {
    const replace = await prompter.decideAll(sorted);
    throwIfAborted(signal);
    return new Set(sorted.map((c) => c.relativePath).filter((p) => replace.has(p)));
  }
  const replace = new Set<string>();
  let sticky: 'overwrite' | 'skip' | undefined;
  for (const conflict of sorted) {
    throwIfAborted(signal);
    let decision = sticky;
    if (decision === undefined) {
      const answer = await prompter.decide(conflict);
      throwIfAborted(signal);
      decision = answer === 'overwrite' || answer === 'overwriteAll' ? 'overwrite' : 'skip';
      if (answer !== 'overwrite' && answer !== 'skip' && answer !== 'overwriteAll' && answer !== 'skipAll')
        throw new TypeError(`Unknown conflict decision: ${String(answer)}`);
      if (answer === 'overwriteAll' || answer === 'skipAll') sticky = decision;
    }
    if (decision === 'overwrite') replace.add(conflict.relativePath);
  }
  return replace;
}
