// Some tests need something of the machine: the right to mount a tmpfs (root), or Info-ZIP's zip/unzip. On a
// developer's machine a missing prerequisite skips the test and says why. In CI it fails the test instead: CI runs
// as root with zip/unzip installed (scripts/host/install.sh), so a skip there means a broken set-up, and a suite
// that silently skips proves nothing.

/** True when running in CI (`CI` set, as GitHub Actions and most CI services do, and not "false" or "0"). */
function inCi(): boolean {
  const value = process.env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** A failed command's own words (its stderr, when `execFileSync` captured it), else the error itself. */
function explain(detail: unknown): string {
  const stderr = (detail as { stderr?: unknown } | undefined)?.stderr;
  const text = stderr === undefined || stderr === null || String(stderr).trim() === '' ? detail : stderr;
  return String(text).trim();
}

/**
 * Continues only when `available`. Otherwise skips `context` (a test or a `before` hook, which skips the whole
 * suite) with a note, or, in CI, throws so the test or suite fails. `what` names the prerequisite; `detail` (text
 * or the error of the command that tried) says why it is missing.
 */
export function requirePrerequisite(
  context: Mocha.Context,
  available: boolean,
  what: string,
  detail?: unknown,
): asserts available {
  if (available) return;
  const reason = detail === undefined ? what : `${what}: ${explain(detail)}`;
  if (inCi()) {
    throw new Error(`Missing prerequisite in CI (CI=${process.env.CI}): ${reason}`);
  }
  console.warn(`      (skipped: missing prerequisite: ${reason})`);
  context.skip();
}
