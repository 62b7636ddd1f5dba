// Defect 1 of issue #11: a local process swaps a destination folder for a link to an outside folder while files
// are placed (with `overwrite`, and with `ask` while the question waits). Placing must refuse the swapped folder,
// never write through it. A few seeds here; `npm run fuzz` runs many (test/fuzz/fuzzPlacing.ts).
import assert from 'node:assert/strict';
import { addRacedFolder, raceSwapper } from '../../fuzz/placingScenarios';
import { startFixture, type Fixture } from './support';

const SEEDS = [1, 2, 3];

describe('reliability: a folder swapped for a link during placing', function () {
  this.timeout(120_000);
  let fixture: Fixture;

  before(async function () {
    fixture = await startFixture({ seed: 7, tree: { files: 10 } });
    await addRacedFolder(fixture);
  });

  after(async function () {
    await fixture?.close();
  });

  for (const mode of ['overwrite', 'ask'] as const) {
    for (const seed of SEEDS) {
      it(`--on-conflict ${mode}, seed ${seed}: nothing outside the destination is created or changed`, async function () {
        const outcome = await raceSwapper(fixture, seed, mode);
        assert.ok(outcome.swaps > 0, 'the swapper swapped');
        assert.deepEqual(outcome.outsideChanged, [], `written through the link (${outcome.swaps} swaps)`);
        assert.deepEqual(outcome.lost, [], 'user files lost');
      });
    }
  }
});
