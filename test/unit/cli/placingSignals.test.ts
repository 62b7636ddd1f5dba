// Defect 6 of issue #11: a signal during placing must leave the destination as it was (placing is reversible until
// it ends). SIGINT, SIGTERM and SIGHUP reach the CLI, which undoes itself; after SIGKILL the next pull's clean-up
// finishes the undo from the staging folder's journal and backups. One seed a signal here; `npm run fuzz` runs many.
import assert from 'node:assert/strict';
import {
  PLACING_SIGNALS,
  signalDuringPlacing,
  startSignalContext,
  type SignalContext,
} from '../../fuzz/placingSignals';
import { requireBuiltCli } from './support';

const SEED = 61;

describe('box-pull CLI: a signal at a random point of placing', function () {
  this.timeout(120_000);
  let context: SignalContext;

  before(async function () {
    await requireBuiltCli();
    context = await startSignalContext();
  });

  after(async function () {
    await context?.close();
  });

  PLACING_SIGNALS.forEach((signal, index) => {
    it(`${signal}: the destination is byte for byte as it was (or, after the last move, as pulled)`, async function () {
      const outcome = await signalDuringPlacing(context, SEED + index, signal);
      assert.equal(outcome.result, 'restored', `${outcome.exitCode}: ${outcome.differences.join('; ')}`);
      assert.ok(outcome.midMoves, 'the signal landed while files were being moved');
      assert.equal(outcome.lost, 0);
    });
  });
});
