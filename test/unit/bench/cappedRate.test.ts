// The capped-streams row's cap (#12): the row's own rate where the machine can serve three streams of it, lower
// where it cannot, so that the row measures parallel streams and not a CPU-bound machine.
import assert from 'node:assert/strict';
import { cappedRate } from '../../../bench/plannedSuite';

const MiB = 1024 * 1024;

describe('bench: capped streams rate', () => {
  it('keeps the asked cap on a machine that serves three such streams with room to spare', () => {
    assert.equal(cappedRate(16 * MiB, 100 * MiB), 16 * MiB);
  });

  it('lowers the cap to three streams within 75% of what one uncapped pull reached here', () => {
    // 31 MB/s uncapped (the session-7 Intel machine): 0.75 × 31 / 3 = 7.75 → 7 MB/s, whole MiB.
    assert.equal(cappedRate(16 * MiB, 31 * MiB), 7 * MiB);
    assert.ok(3 * cappedRate(16 * MiB, 31 * MiB) <= 0.75 * 31 * MiB);
  });

  it('never caps below 1 MB/s, however slow the machine', () => {
    assert.equal(cappedRate(16 * MiB, 0.5 * MiB), MiB);
  });
});
