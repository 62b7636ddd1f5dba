import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { isStagingDirName } from '../place/staging';
import { ArchiveError } from '../errors';

/**
 * Turns an archive entry name into a safe relative path, or rejects it. Pure: no file-system access.
 *
 * Decisions (a Box archive never needs any of the rejected forms, so meeting one means a hostile or broken archive):
 * - Rejected: empty names, names made only of separators or `.`, `..` segments, absolute paths (`/x`, `\x`, `\\server`),
 *   drive-letter paths (`C:\x`, `C:/x`, `C:x`), and C0 control characters or DEL anywhere (Box forbids
 *   non-printable characters; NUL truncates names in native code).
 * - Backslashes are separators: Box names cannot contain `\`, so one comes from a Windows-made archive. They are split
 *   on *before* any check, so `a\..\..\x` is rejected like `a/../../x`.
 * - `.` segments and empty segments (`a//b`) are dropped silently; a trailing separator marks a directory.
 * - Names Windows cannot store (CON, PRN, AUX, NUL, COM1-9, LPT1-9 with any extension, CONIN$/CONOUT$, trailing dots
 *   or spaces, `<>:"|?*`) are mapped only when the target platform is win32: elsewhere the file system stores them
 *   fine and keeping the Box name is the more faithful choice. Off Windows they are reported as `nonPortable`.
 * - Segments longer than 255 UTF-8 bytes are shortened on every platform (no common file system stores them):
 *   the stem is cut at a character boundary and `~<8 hex of SHA-256>` plus the original extension is appended.
 * - A top-level segment starting with the staging prefix (`.box-pull-staging-`) gets a `_` in front on every
 *   platform: placed as-is it would look like a crashed run's staging folder, and clean-up of those (staging.ts)
 *   would then delete the user's Box content.
 */
export interface NameMapping {
  /** Posix relative path without a trailing slash. */
  relativePath: string;
  /** Set when `relativePath` differs from the name as written in the archive (after separator normalisation). */
  renamedFrom?: string;
  /** Why it was renamed. */
  reason?: string;
  /** The entry name ended with a separator. */
  isDirectory: boolean;
  /** Off win32: why this name could not be created on Windows (kept unchanged here). */
  nonPortableReason?: string;
}

export interface MapEntryNameOptions {
  /** The platform whose file-system rules apply; defaults to `process.platform`. */
  platform?: NodeJS.Platform;
}

export const MAX_SEGMENT_BYTES = 255;
export const STAGING_LOOKALIKE_REASON = 'name reserved for Box Pull staging folders';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const DRIVE_LETTER = /^[A-Za-z]:/;
const WINDOWS_ILLEGAL_CHARACTERS = /[<>:"|?*]/g;
const WINDOWS_RESERVED_BASE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
const TRAILING_DOTS_AND_SPACES = /[. ]+$/;
/** A cheap first test: only segments matching it can have a Windows issue. */
const WINDOWS_SUSPECT = /[<>:"|?*]|[. ]$|^(?:con|prn|aux|nul|com|lpt)/i;

export function mapEntryName(
  rawName: string,
  options: MapEntryNameOptions = {},
): NameMapping | { rejected: string } {
  const platform = options.platform ?? process.platform;
  if (rawName.length === 0) return { rejected: 'empty name' };
  if (CONTROL_CHARACTERS.test(rawName)) return { rejected: 'control character in name' };
  if (rawName.startsWith('/') || rawName.startsWith('\\')) return { rejected: 'absolute path' };
  if (DRIVE_LETTER.test(rawName)) return { rejected: 'drive-letter path' };

  const isDirectory = rawName.endsWith('/') || rawName.endsWith('\\');
  const parts = rawName.includes('\\') ? rawName.split(/[/\\]/) : rawName.split('/');
  const segments: string[] = [];
  for (const part of parts) {
    if (part === '..') return { rejected: 'parent-directory segment (..)' };
    if (part !== '' && part !== '.') segments.push(part);
  }
  if (segments.length === 0) return { rejected: 'empty name' };

  // Allocated only for the rare names that need them: this runs once per entry of 200,000-entry archives.
  let reasons: Set<string> | undefined;
  let nonPortable: Set<string> | undefined;
  const mapped = segments.map((segment, index) => {
    let result = segment;
    if (WINDOWS_SUSPECT.test(segment)) {
      const windowsIssues = windowsNameIssues(segment);
      if (windowsIssues.length > 0 && platform === 'win32') {
        result = toWindowsSafeSegment(segment);
        reasons ??= new Set();
        for (const issue of windowsIssues) reasons.add(issue);
      } else if (windowsIssues.length > 0) {
        nonPortable ??= new Set();
        for (const issue of windowsIssues) nonPortable.add(issue);
      }
    }
    // Only the top level matters: staging folders are looked for directly in the destination. Checked after the
    // Windows mapping (which keeps the prefix) and before shortening (which keeps the start).
    if (index === 0 && isStagingDirName(result)) {
      result = `_${result}`;
      reasons ??= new Set();
      reasons.add(STAGING_LOOKALIKE_REASON);
    }
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no byte count.
    if (result.length * 3 > MAX_SEGMENT_BYTES && Buffer.byteLength(result) > MAX_SEGMENT_BYTES) {
      result = shortenSegment(result);
      reasons ??= new Set();
      reasons.add(`name longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
    return result;
  });

  const original = segments.join('/');
  const relativePath = mapped.join('/');
  const mapping: NameMapping = { relativePath, isDirectory };
  if (relativePath !== original) {
    mapping.renamedFrom = original;
    mapping.reason = [...(reasons ?? [])].join('; ');
  }
  if (nonPortable) mapping.nonPortableReason = [...nonPortable].join('; ');
  return mapping;
}

export function isRejected(result: NameMapping | { rejected: string }): result is { rejected: string } {
  return 'rejected' in result;
}

/** The reasons a segment cannot be created as-is on Windows (empty when it can). */
export function windowsNameIssues(segment: string): string[] {
  const issues: string[] = [];
  if (/[<>:"|?*]/.test(segment)) issues.push('characters not allowed on Windows');
  if (WINDOWS_RESERVED_BASE.test(reservedBaseOf(segment))) issues.push('Windows-reserved device name');
  if (TRAILING_DOTS_AND_SPACES.test(segment)) issues.push('trailing dot or space');
  return issues;
}

/** Windows compares device names on the part before the first dot, ignoring trailing spaces (`NUL .txt`). */
function reservedBaseOf(segment: string): string {
  const dot = segment.indexOf('.');
  return (dot === -1 ? segment : segment.slice(0, dot)).replace(/ +$/, '');
}

function toWindowsSafeSegment(segment: string): string {
  let result = segment.replace(WINDOWS_ILLEGAL_CHARACTERS, '_');
  result = result.replace(TRAILING_DOTS_AND_SPACES, (run) => '_'.repeat(run.length));
  if (WINDOWS_RESERVED_BASE.test(reservedBaseOf(result))) result = `_${result}`;
  return result;
}

/**
 * Deterministically shortens a segment to at most `maxBytes` UTF-8 bytes: `<stem cut>~<hash8><ext>`. The hash is
 * of the whole original segment, so two long names sharing a prefix still map to different results.
 */
export function shortenSegment(segment: string, maxBytes = MAX_SEGMENT_BYTES): string {
  if (Buffer.byteLength(segment) <= maxBytes) return segment;
  const hash = createHash('sha256').update(segment).digest('hex').slice(0, 8);
  const dot = segment.lastIndexOf('.');
  const extension = dot > 0 && Buffer.byteLength(segment.slice(dot)) <= 32 ? segment.slice(dot) : '';
  const suffix = `~${hash}${extension}`;
  const stem = truncateToBytes(
    segment.slice(0, segment.length - extension.length),
    maxBytes - Buffer.byteLength(suffix),
  );
  return `${stem}${suffix}`;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
export function truncateToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let result = '';
  for (const codePoint of text) {
    const size = Buffer.byteLength(codePoint);
    if (bytes + size > maxBytes) break;
    bytes += size;
    result += codePoint;
  }
  return result;
}

/**
 * `relativePath` (slash-separated) joined under `root`, or undefined when the result would not lie strictly below
 * `root`. Compared through `relative`, not `startsWith(root + sep)`, so a root that already ends in a separator
 * (`/`, `C:\\`) works. `paths` is a parameter so the Windows rules can be tested on any platform.
 */
export function joinInside(
  root: string,
  relativePath: string,
  paths: path.PlatformPath = path,
): string | undefined {
  if (relativePath === '' || paths.isAbsolute(relativePath)) return undefined;
  // A `..` segment is refused outright: at a root like `/` it would not even leave the root, just go elsewhere.
  if (relativePath.split('/').some((segment) => segment.split(paths.sep).includes('..'))) return undefined;
  const target = paths.join(root, ...relativePath.split('/'));
  // A normalized target that starts with a normalized absolute root and a separator lies below it: most calls stop
  // here, without `relative` resolving both paths again (a few microseconds each, for every file, three times).
  const prefix = rootPrefix(root, paths);
  if (prefix !== undefined && target.length > prefix.length && target.startsWith(prefix)) return target;
  const relative = paths.relative(root, target);
  const escapes =
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${paths.sep}`) ||
    paths.isAbsolute(relative);
  return escapes ? undefined : target;
}

/**
 * The last root seen per platform, with its prefix: undefined unless the root is absolute and normalized, and on
 * Windows always (its `relative` also refuses names such as `C:` inside a path, which a prefix would let pass).
 */
const rootPrefixes = new WeakMap<path.PlatformPath, { root: string; prefix: string | undefined }>();

function rootPrefix(root: string, paths: path.PlatformPath): string | undefined {
  const known = rootPrefixes.get(paths);
  if (known?.root === root) return known.prefix;
  const normalized = paths.sep === '/' && paths.isAbsolute(root) && paths.resolve(root) === root;
  const prefix = normalized ? (root.endsWith(paths.sep) ? root : root + paths.sep) : undefined;
  rootPrefixes.set(paths, { root, prefix });
  return prefix;
}

/**
 * Defence in depth, for both extraction passes: names are already safe (mapEntryName), but every target is
 * still checked to stay inside `root`.
 */
export function resolveInside(root: string, relativePath: string): string {
  const target = joinInside(root, relativePath);
  if (target === undefined) {
    throw new ArchiveError(
      'unsafe_path',
      `Entry would be written outside the staging folder: ${JSON.stringify(relativePath)}`,
    );
  }
  return target;
}
