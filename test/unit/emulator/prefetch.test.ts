import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Prefetcher } from '../../../src/emulator/prefetch';
import { watchDescriptors, type DescriptorLedger } from '../../helpers/descriptorLedger';

describe('emulator prefetch: descriptors', () => {
  let folder: string;
  let ledger: DescriptorLedger | undefined;
  beforeEach(async () => {
    folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'box-pull-prefetch-'));
  });
  afterEach(async () => {
    ledger?.stop();
    ledger = undefined;
    await fs.promises.rm(folder, { recursive: true, force: true });
  });

  it('a stream destroyed while a read is in flight closes its file once, after that read', async () => {
    const file = path.join(folder, 'big.bin');
    await fs.promises.writeFile(file, Buffer.alloc(1024 * 1024, 1));
    const prefetcher = new Prefetcher([{ absolutePath: file, size: 1024 * 1024 }], { headBytes: 16 });
    ledger = watchDescriptors();
    const watching = ledger;
    const stream = prefetcher.open(0);
    stream.on('error', () => undefined);
    // A download cut mid-file: the stream is destroyed while the read after the 16-byte head is in the thread pool.
    let reads = 0;
    watching.onDispatch = () => {
      if (++reads < 2) return;
      watching.onDispatch = undefined;
      stream.destroy();
    };
    const closed = new Promise<void>((resolve) => (watching.onClose = () => resolve()));
    stream.resume();
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    // It used to close the file at once, under the read (whose number could be another file's by then).
    assert.deepEqual(watching.closedInUse, [], 'closed while a read was in flight');
    assert.deepEqual(watching.closedTwice, [], 'closed twice');
  });
});
