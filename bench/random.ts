// Deterministic content for the corpora: the same seed always produces the same bytes, so corpora can be
// regenerated on any machine and results compared run to run.
import { createCipheriv, createHash } from 'node:crypto';

/** sfc32: tiny, fast and good enough to pick sizes and words. Returns floats in [0, 1). */
export function seededRandom(seed: string): () => number {
  const digest = createHash('sha256').update(seed).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const ZEROS = Buffer.alloc(1024 * 1024);

/**
 * Incompressible bytes from an AES-128-CTR keystream keyed by the seed: hundreds of MB/s from OpenSSL, where a JS
 * generator would make the 2 GB corpus slow to build.
 */
export function* randomChunks(seed: string, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  for (let left = size; left > 0; left -= ZEROS.length) {
    yield cipher.update(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
  }
}

/** Words with a skewed frequency, so text deflates about like source code and prose do (roughly 3–4×). */
export class TextGenerator {
  private readonly words: string[];

  constructor(private readonly random: () => number) {
    const letters = 'abcdefghijklmnopqrstuvwxyz_';
    this.words = Array.from({ length: 4096 }, () => {
      let word = '';
      for (let i = randomInt(random, 2, 10); i > 0; i--)
        word += letters[randomInt(random, 0, letters.length - 1)];
      return word;
    });
  }

  /** Exactly `size` bytes of ASCII lines. */
  text(size: number): Buffer {
    const parts: string[] = [];
    let length = 0;
    while (length < size) {
      let line = '  '.repeat(randomInt(this.random, 0, 4));
      for (let n = randomInt(this.random, 2, 12); n > 0; n--) {
        // Cubing the uniform draw makes low indexes far more common: a Zipf-like vocabulary.
        line += `${this.words[Math.floor(this.random() ** 3 * this.words.length)]} `;
      }
      line += this.random() < 0.3 ? '{\n' : ';\n';
      parts.push(line);
      length += line.length;
    }
    return Buffer.from(parts.join('')).subarray(0, size);
  }
}
