import * as yauzl from 'yauzl';
import { EXTRA_UNICODE_PATH, FLAG_UTF8 } from './format';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an entry name from its raw bytes. yauzl is opened with `decodeStrings: false` so that we see the bytes
 * themselves (its own decoding turns `\` into `/` before we can tell them apart).
 *
 * - UTF-8 flag (bit 11) or an Info-ZIP Unicode Path extra field (0x7075, CRC-checked by yauzl): UTF-8.
 * - Otherwise, pure ASCII is ASCII (control bytes included, so they get rejected); bytes that form valid UTF-8 are read as UTF-8 (many writers — Java before 7,
 *   macOS Archive Utility — emit UTF-8 without the flag, and a CP437 name almost never validates as UTF-8);
 *   anything else is CP437, the format's historical default.
 */
export function decodeEntryName(entry: yauzl.Entry): string {
  const raw = entry.fileNameRaw;
  const flagged =
    (entry.generalPurposeBitFlag & FLAG_UTF8) !== 0 ||
    entry.extraFields.some((field) => field.id === EXTRA_UNICODE_PATH);
  if (!flagged) {
    // Plain ASCII stays ASCII: CP437 would turn control bytes into symbols (0x01 → ☺) and hide them from the
    // control-character check in mapEntryName.
    if (isAscii(raw)) return raw.toString('latin1');
    try {
      return strictUtf8.decode(raw);
    } catch {
      // Not UTF-8: fall through to CP437.
    }
  }
  // strictFileNames=true here only means "leave backslashes alone": mapEntryName treats them itself.
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
}

/**
 * The names a local header can be decoded to on its own, the same as `decodeEntryName` would from the central
 * directory: UTF-8-flagged names that are valid UTF-8, and plain ASCII. Anything else (CP437, UTF-8 without the
 * flag, an Info-ZIP Unicode path field) is undefined: the streaming pass leaves it to the central directory pass.
 */
export function nameWithoutCentralDirectory(
  raw: Buffer,
  flags: number,
  extraFields: readonly yauzl.ExtraField[],
): string | undefined {
  if (extraFields.some((field) => field.id === EXTRA_UNICODE_PATH)) return undefined;
  if ((flags & FLAG_UTF8) !== 0) {
    try {
      return strictUtf8.decode(raw);
    } catch {
      return undefined;
    }
  }
  return isAscii(raw) ? raw.toString('latin1') : undefined;
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}
