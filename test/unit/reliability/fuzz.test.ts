// The short, fixed-seed version of `npm run fuzz`: 300 generated hostile archives through extractZip and
// placeFiles, with the properties of test/fuzz/extractionProperties.ts (nothing written outside, no hang, only
// ArchiveError rejections, results that match the disk, no leaked descriptor). fast-check shrinks a failure to
// a minimal archive.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildArchive, fuzzCaseArbitrary } from '../../fuzz/archiveCases';
import { FuzzSandbox, openDescriptors } from '../../fuzz/extractionProperties';

const SEED = 424242;
const CASES = 300;

describe('reliability: archive fuzzing (short run)', function () {
  let sandbox: FuzzSandbox;

  before(async function () {
    sandbox = await FuzzSandbox.create();
  });

  after(async function () {
    await sandbox?.close();
  });

  it(`${CASES} generated hostile archives keep every extraction property (seed ${SEED})`, async function () {
    this.timeout(120_000);
    const descriptors = openDescriptors();
    const outcomes = { extracted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fuzzCaseArbitrary, async (testCase) => {
        const result = await sandbox.run(testCase, await buildArchive(testCase), 10_000);
        outcomes[result.outcome]++;
      }),
      { seed: SEED, numRuns: CASES },
    );
    assert.equal(outcomes.extracted + outcomes.rejected, CASES);
    // Both kinds of outcome are exercised, or the generator is broken.
    assert.ok(outcomes.extracted > CASES / 20, `only ${outcomes.extracted} archives extracted`);
    assert.ok(outcomes.rejected > CASES / 20, `only ${outcomes.rejected} archives rejected`);
    assert.ok(openDescriptors() <= descriptors, 'no descriptor leaked over the run');
  });
});
