// What every kind of pull (one ZIP, planned, update) asks of placing on the user's behalf: the conflict policy, its
// questions, the files an editor protects, and the cancel. Kinds add their own options beside these.
import type { PlaceOptions } from '../place/placement';
import type { PullRequest } from './pull';

export function placingOptionsOf(
  request: Pick<PullRequest, 'conflictPolicy' | 'prompter' | 'isProtected' | 'signal'>,
): PlaceOptions {
  return {
    policy: request.conflictPolicy,
    prompter: request.prompter,
    isProtected: request.isProtected,
    signal: request.signal,
  };
}
