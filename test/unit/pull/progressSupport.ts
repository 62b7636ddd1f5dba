// Checks shared by the progress suites.
import assert from 'node:assert/strict';
import type { PullProgress } from '../../../src/core/pull/progress';

/** Every event's fraction is at least the one before (unknown ones are skipped). */
export function assertNonDecreasing(events: PullProgress[]): void {
  let previous = 0;
  events.forEach((event, index) => {
    if (event.fraction === undefined) return;
    assert.ok(
      event.fraction >= previous,
      `event ${index} (${event.phase}, attempt ${event.attempt ?? 1}) went back from ${previous} to ${event.fraction}`,
    );
    previous = event.fraction;
  });
}
