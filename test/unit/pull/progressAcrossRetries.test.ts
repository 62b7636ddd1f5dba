// End to end through pull() and the emulator: a stream cut part-way and a fresh ZIP must not send the progress
// fraction back to 0 (it did: the byte count restarts with the new download). The fraction holds its mark, the
// events say which attempt they belong to, and the pull still completes byte for byte.
import assert from 'node:assert/strict';
import { pull } from '../../../src/core/pull/pull';
import { type PullProgress } from '../../../src/core/pull/progress';
import { readTree } from '../../helpers/compareTrees';
import {
  assertPulled,
  capturingLogger,
  makeClient,
  pullRequest,
  startFixture,
  type Fixture,
} from '../reliability/support';
import { assertNonDecreasing } from './progressSupport';

describe('progress across a fresh-ZIP retry (pull against the emulator)', function () {
  let fixture: Fixture;

  before(async function () {
    // Stored, so that the archive is about as large as the folder and the cut lands a third of the way in.
    fixture = await startFixture({ seed: 16, emulator: { faults: { zipCompression: 'store' } } });
  });

  after(async function () {
    await fixture?.close();
  });

  it('never moves the fraction backwards when a cut stream is started over, and says "attempt 2"', async function () {
    const sourceBytes = [...(await readTree(fixture.source)).files.values()].reduce(
      (sum, bytes) => sum + bytes.length,
      0,
    );
    const faults = fixture.emulator.faults;
    faults.cutAfterBytes = Math.floor(sourceBytes / 3);
    faults.cutDownloads = 1;
    // Slow enough that the tracker (one event per 100 ms) reports the first attempt's bytes before the cut, even on a
    // loaded machine (a third of the folder a second: the cut comes about 1 s in); the cap is lifted between attempts.
    faults.bytesPerSecond = Math.ceil(sourceBytes / 3);
    const { logger } = capturingLogger((warning) => {
      if (warning.startsWith('Attempt 1 of')) faults.bytesPerSecond = undefined;
    });
    const destination = fixture.freshDestination();
    const events: PullProgress[] = [];
    const report = await pull(
      pullRequest(fixture, makeClient(fixture), destination, { logger, onProgress: (p) => events.push(p) }),
    );

    assert.equal(report.attempts, 2);
    assert.equal(fixture.emulator.stats.downloadsCut, 1);
    await assertPulled(fixture, destination);

    const first = events.filter((e) => (e.attempt ?? 1) === 1 && e.phase === 'downloading');
    const peak = Math.max(...first.map((e) => e.fraction ?? 0));
    assert.ok(peak > 0.05, `the first attempt reported progress before the cut (peak ${peak})`);
    const retry = events.find((e) => e.attempt === 2);
    assert.ok(retry, 'events of the second attempt carry attempt 2');
    assert.equal(retry.phase, 'downloading');
    assert.equal(retry.bytesDownloaded, 0, 'the second download counts its own bytes');
    assert.equal(retry.fraction, peak, 'the fraction holds the mark of the first attempt');
    assertNonDecreasing(events);
    assert.deepEqual([events.at(-1)?.phase, events.at(-1)?.fraction], ['done', 1]);
  });
});
