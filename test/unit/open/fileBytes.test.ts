// A Box file read whole for a read-only editor, over real HTTP from the emulator (the 302 to its download origin).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileBytes } from '../../../src/core/open/fileBytes';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index';
import { makeClient, recordingSleep } from '../box/support';
import { BoxApiError } from '../../../src/core/errors';

describe('readFileBytes against the emulator', () => {
  let root: string;
  let emulator: RunningEmulator;
  const content = Buffer.concat([Buffer.from('binary\0bytes\r\n'), Buffer.alloc(300_000, 0xab)]);

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-open-test-'));
    await fs.writeFile(path.join(root, 'data.bin'), content);
    emulator = await startEmulator({ root });
  });

  after(async () => {
    await emulator.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('returns the exact bytes and their SHA-1, reporting progress against the size', async () => {
    const client = makeClient({ emulator });
    const seen: [number, number | undefined][] = [];
    const file = await readFileBytes(
      (signal) => client.openFileContent(emulator.idForPath('data.bin'), { signal }),
      {
        onBytes: (received, total) => seen.push([received, total]),
      },
    );
    assert.deepEqual(Buffer.from(file.bytes), content);
    assert.equal(file.sha1, createHash('sha1').update(content).digest('hex'));
    assert.deepEqual(seen.at(-1), [content.length, content.length]);
  });

  it('waits out "not ready yet" (202 Retry-After) answers', async () => {
    emulator.faults.fileContentNotReady = { remaining: 2, retryAfterSeconds: 3 };
    const { sleep, sleeps } = recordingSleep();
    const client = makeClient({ emulator }, { sleep });
    const file = await readFileBytes((signal) =>
      client.openFileContent(emulator.idForPath('data.bin'), { signal }),
    );
    assert.deepEqual(Buffer.from(file.bytes), content);
    assert.deepEqual(sleeps, [3000, 3000]);
  });

  it('a missing file is a 404 BoxApiError', async () => {
    const client = makeClient({ emulator });
    await assert.rejects(
      readFileBytes((signal) => client.openFileContent('999999', { signal })),
      (error: unknown) => error instanceof BoxApiError && error.status === 404,
    );
  });

  it('an aborted read stops with the abort, not a network error', async () => {
    const client = makeClient({ emulator });
    const abort = new AbortController();
    const pending = readFileBytes(
      (signal) => client.openFileContent(emulator.idForPath('data.bin'), { signal }),
      {
        signal: abort.signal,
        onBytes: () => abort.abort(),
      },
    );
    await assert.rejects(pending, (error: unknown) => (error as Error).name === 'AbortError');
  });
});
