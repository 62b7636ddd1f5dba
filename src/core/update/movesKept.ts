/**
 * Files moved on Box (changed there or not) whose old copy is still here after the placing: their old path goes
 * only with the placing of its new one (placement.ts's `Removal.makesWayFor`). Why each stayed, from the placing's
 * own outcome for the new path, so that the front ends say it in their words (the CLI's updateRender.ts, VS Code's
 * updateText.ts). An old copy kept because its new path kept what was there stays recorded, and the next update
 * tries again (recordState.ts).
 */
import { inPlace, type PlaceResult } from '../place/placement';

/**
 * - `yours`: a file at the new path (one made meanwhile) kept by the conflict policy or the user's answer;
 * - `unsaved`: the new path is open in an editor with unsaved changes;
 * - `blocked`: something was in the way at the new path (`reason` says what);
 * - `not-downloaded`: Box's copy was never staged (its SHA-1 never matched, or its name is the state file's);
 * - `old-changed`: Box's copy is at the new path, but the old copy changed since the update judged it, or is open
 *   with unsaved changes: the user's own file now, no longer recorded (as for a file moved on Box and edited here).
 */
export type MoveKeptWhy = 'yours' | 'unsaved' | 'blocked' | 'not-downloaded' | 'old-changed';

export interface MoveKept {
  from: string;
  to: string;
  why: MoveKeptWhy;
  /** The placing's words for `blocked`. */
  reason?: string;
}

/** The planned `moves` whose `from` was not removed, each with why. */
export function movesKept(moves: readonly { from: string; to: string }[], placed: PlaceResult): MoveKept[] {
  const removed = new Set(placed.removed ?? []);
  const here = inPlace(placed);
  const unsaved = new Set(placed.protected);
  const yours = new Set(placed.skippedByPolicy);
  const blocked = new Map(placed.blocked.map((b) => [b.relativePath, b.reason]));
  const kept: MoveKept[] = [];
  for (const { from, to } of moves) {
    if (removed.has(from)) continue;
    const reason = blocked.get(to);
    const why: MoveKeptWhy = here.has(to)
      ? 'old-changed'
      : unsaved.has(to)
        ? 'unsaved'
        : yours.has(to)
          ? 'yours'
          : reason !== undefined
            ? 'blocked'
            : 'not-downloaded';
    kept.push({ from, to, why, ...(why === 'blocked' ? { reason } : {}) });
  }
  return kept;
}
