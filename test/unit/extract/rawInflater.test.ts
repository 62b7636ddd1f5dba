// rawInflater.ts: the handle inflater (zlib internals, one reused output buffer) and its public-API fallback (a plain
// zlib stream) must give the same bytes and the same end-of-stream answers; a Node without usable internals must
// get the fallback, never an error.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import {
  createRawInflater,
  handleInflatesSample,
  handleWorks,
  inflateSmall,
  type InflaterKind,
  type RawInflate,
} from '../../../src/core/extract/rawInflater';

const KIND: InflaterKind[] = ['handle', 'stream'];

/** 3 MB: random 64 KB blocks mixed with runs, so output parts fill the 256 KB buffer many times over. */
function content(): Buffer {
  const parts: Buffer[] = [];
  for (let index = 0; index < 24; index++) {
    parts.push(index % 2 === 0 ? randomBytes(64 * 1024) : Buffer.alloc(64 * 1024, index));
  }
  return Buffer.concat(parts);
}

/** Feeds `input` in `chunk`-sized parts, as both extraction passes do, and collects a copy of every output part. */
async function inflateAll(
  inflater: RawInflate,
  input: Buffer,
  chunk: number,
): Promise<{ output: Buffer; fed: number }> {
  const parts: Buffer[] = [];
  const collect = async (bytes: Buffer): Promise<void> => {
    parts.push(Buffer.from(bytes));
  };
  let fed = 0;
  try {
    while (fed < input.length && !inflater.ended) {
      const part = input.subarray(fed, fed + chunk);
      fed += part.length;
      await inflater.inflate(part, collect);
    }
    await inflater.finish(collect);
  } finally {
    inflater.close();
  }
  return { output: Buffer.concat(parts), fed };
}

const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

describe('rawInflater — handle inflater and its zlib-stream fallback', function () {
  const original = content();
  const deflated = zlib.deflateRawSync(original);

  it('uses the handle on this Node (the self-test passes)', function () {
    assert.equal(handleWorks(), true);
  });

  for (const kind of KIND) {
    it(`${kind}: inflates a multi-chunk entry to the right bytes`, async function () {
      const { output } = await inflateAll(createRawInflater(256 * 1024, kind), deflated, 100_000);
      assert.equal(output.length, original.length);
      assert.equal(sha1(output), sha1(original));
    });

    it(`${kind}: stops at the deflate stream's end and says how much input it took`, async function () {
      // What follows an entry of unknown length (a data descriptor, the next header) must not be taken.
      const trailing = Buffer.concat([deflated, Buffer.from('PK\x07\x08 and then the next entry')]);
      const inflater = createRawInflater(256 * 1024, kind);
      const { output } = await inflateAll(inflater, trailing, 64 * 1024);
      assert.equal(inflater.ended, true);
      assert.equal(inflater.consumed, deflated.length);
      assert.equal(sha1(output), sha1(original));
    });

    it(`${kind}: a truncated stream is refused at the finish`, async function () {
      const inflater = createRawInflater(256 * 1024, kind);
      await assert.rejects(inflateAll(inflater, deflated.subarray(0, deflated.length - 1000), 64 * 1024), {
        code: 'Z_BUF_ERROR',
      });
    });

    it(`${kind}: corrupt data is refused with zlib's code`, async function () {
      const corrupt = Buffer.from(deflated);
      // Block type 3 does not exist.
      corrupt[0] = 0xff;
      const inflater = createRawInflater(256 * 1024, kind);
      await assert.rejects(inflateAll(inflater, corrupt, 64 * 1024), (error: { code?: string }) =>
        String(error.code).startsWith('Z_'),
      );
    });
  }

  for (const kind of KIND) {
    describe(`inflateSmall (${kind})`, function () {
      const text = Buffer.from('a small entry, as a text file would hold it\n'.repeat(40));
      const small = zlib.deflateRawSync(text);
      const codeOf = (action: () => unknown): unknown => {
        try {
          action();
        } catch (error) {
          return (error as { code?: unknown }).code;
        }
        return 'no error';
      };

      it('inflates a whole stream and says how much input it took, trailing bytes left alone', function () {
        const { content, consumed } = inflateSmall(
          Buffer.concat([small, Buffer.from('PK\x07\x08 trailing')]),
          text.length,
          kind,
        );
        assert.ok(content.equals(text));
        assert.equal(consumed, small.length);
        // An exact-size buffer of its own: a view of a larger one would keep that alive.
        assert.equal(content.buffer.byteLength, content.length);
      });

      it('inflates output larger than one part, and an empty stream', function () {
        const { content, consumed } = inflateSmall(deflated, original.length, kind);
        assert.equal(sha1(content), sha1(original));
        assert.equal(consumed, deflated.length);
        assert.equal(inflateSmall(zlib.deflateRawSync(Buffer.alloc(0)), 1, kind).content.length, 0);
      });

      it("refuses what inflates past the limit, and a truncated or corrupt stream, with zlib's codes", function () {
        assert.equal(
          codeOf(() => inflateSmall(small, text.length - 1, kind)),
          'ERR_BUFFER_TOO_LARGE',
        );
        assert.equal(
          codeOf(() => inflateSmall(deflated, 64 * 1024, kind)),
          'ERR_BUFFER_TOO_LARGE',
        );
        assert.equal(
          codeOf(() => inflateSmall(small.subarray(0, small.length - 4), 1 << 20, kind)),
          'Z_BUF_ERROR',
        );
        assert.equal(
          codeOf(() => inflateSmall(Buffer.alloc(0), 1 << 20, kind)),
          'Z_BUF_ERROR',
        );
        const corrupt = Buffer.from(small);
        corrupt[0] = 0xff;
        assert.match(String(codeOf(() => inflateSmall(corrupt, 1 << 20, kind))), /^Z_/);
      });

      it('each failure leaves the next entry unharmed (the reused stream is reset or replaced)', function () {
        const failures: (() => unknown)[] = [
          () => inflateSmall(deflated, 64 * 1024, kind),
          () => inflateSmall(small.subarray(0, 10), 1 << 20, kind),
          () => inflateSmall(Buffer.from([0xff, 0xff, 0xff]), 1 << 20, kind),
        ];
        for (const failure of failures) {
          assert.throws(failure);
          const { content, consumed } = inflateSmall(small, text.length, kind);
          assert.ok(content.equals(text));
          assert.equal(consumed, small.length);
        }
      });
    });
  }

  it('the fallback waits for each output part to be taken (no unbounded buffering of a bomb)', async function () {
    // 64 MB of zeros deflate to about 64 KB; one input chunk must not be inflated ahead of the consumer.
    const bomb = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    const inflater = createRawInflater(256 * 1024, 'stream');
    let seen = 0;
    await assert.rejects(
      inflater.inflate(bomb, async (bytes) => {
        seen += bytes.length;
        if (seen > 1024 * 1024) throw new Error('stop: over the declared size');
      }),
      /over the declared size/,
    );
    inflater.close();
    assert.ok(seen <= 2 * 1024 * 1024, `${seen} bytes inflated before the stop`);
  });

  it('a zlib stream without usable internals fails the self-test instead of throwing', function () {
    const withoutHandle = (): zlib.InflateRaw => {
      const stream = zlib.createInflateRaw();
      Object.defineProperty(stream, '_handle', { value: undefined });
      return stream;
    };
    const throwingHandle = (): zlib.InflateRaw => {
      const stream = zlib.createInflateRaw();
      Object.defineProperty(stream, '_handle', {
        value: {
          writeSync() {
            throw new TypeError('changed signature');
          },
        },
      });
      return stream;
    };
    const wrongOutput = (): zlib.InflateRaw => {
      const stream = zlib.createInflateRaw();
      // A handle that "works" but whose write state means something else now.
      Object.defineProperty(stream, '_writeState', { value: new Uint32Array([0, 0]) });
      return stream;
    };
    assert.equal(handleInflatesSample(withoutHandle), false);
    assert.equal(handleInflatesSample(throwingHandle), false);
    assert.equal(handleInflatesSample(wrongOutput), false);
    assert.equal(
      handleInflatesSample(() => zlib.createInflateRaw()),
      true,
    );
  });
});
