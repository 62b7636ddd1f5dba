import * as yauzl from 'yauzl';

const UTF8_FLAG = 0x800;
const UNICODE_PATH_EXTRA_FIELD = 0x7075;
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
    (entry.generalPurposeBitFlag & UTF8_FLAG) !== 0 ||
    entry.extraFields.some((field) => field.id === UNICODE_PATH_EXTRA_FIELD);
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

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}
