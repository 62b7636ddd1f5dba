// Logging for the host-free core. The interface matches the shape of VS Code's LogOutputChannel so the extension
// can pass its channel straight in, while the CLI and tests pass their own sinks. Every message the core logs
// goes through createRedactingLogger first: tokens, client secrets and the ZIP download/status URLs (which grant
// access on their own) must never reach a sink.
import { inspect } from 'node:util';

export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const noop = (): void => undefined;

export const nullLogger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };

const REDACTED = '[redacted]';

/** Names whose values are secrets, whether they appear as form/query parameters or as JSON/object fields. */
const SECRET_FIELD_NAMES = [
  'access_token',
  'refresh_token',
  'client_secret',
  'token',
  'assertion',
  'password',
  'subject_token',
  'actor_token',
  'download_url',
  'status_url',
  'authorization',
  'developer_token',
];
// `code` is the OAuth authorization code as a form/query parameter, but as a JSON field it is Box's error code
// (`"code": "not_found"`), which the logs need; so it is redacted only in the parameter form.
const SECRET_PARAMETER_NAMES = [...SECRET_FIELD_NAMES, 'code'];

/**
 * Each name as a pattern that also matches its camelCase and kebab-case spellings (`refresh_token`, `refreshToken`,
 * `refresh-token`; matching ignores case): our own objects (StoredCredentials, TokenSet) use camelCase.
 */
function anySpelling(names: readonly string[]): string {
  return names.map((name) => name.replace(/_/g, '[_-]?')).join('|');
}

// `name=value` in query strings and form bodies. The look-behind keeps `error_code=` or `zipcode=` intact.
const FORM_PARAMETER = new RegExp(`(?<![\\w-])(${anySpelling(SECRET_PARAMETER_NAMES)})=([^&\\s"'<>]*)`, 'gi');
// `"name": "value"` (JSON) and `name: 'value'` (util.inspect output), with escaped quotes inside the value.
const QUOTED_FIELD = new RegExp(
  `(["']?)(?<![\\w-])(${anySpelling(SECRET_FIELD_NAMES)})\\1(\\s*:\\s*)(["'\`])((?:\\\\.|(?!\\4)[^\\\\])*)\\4`,
  'gi',
);
const AUTHORIZATION_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// Box's ZIP URLs: https://dl.boxcloud.com/2.0/zip_downloads/<opaque id>/content and .../status. The id alone
// is enough to download the archive once, so it goes even when the host is unfamiliar.
const ZIP_DOWNLOAD_URL = /\/zip_downloads\/[^/\s?#"'<>]+\/(content|status)\b/gi;

/**
 * Removes secrets from free text: bearer/basic credentials, secret query/form parameters and JSON fields, ZIP
 * download/status URLs, and any literal `extraSecrets` (for example the token currently in use).
 */
export function redactSecrets(text: string, extraSecrets?: Iterable<string>): string {
  let result = text;
  if (extraSecrets) {
    // Longest first, so a secret that contains another one is replaced whole.
    const literals = [...extraSecrets]
      .filter((secret) => secret.length >= 4)
      .sort((a, b) => b.length - a.length);
    for (const secret of literals) {
      result = result.split(secret).join(REDACTED);
    }
  }
  return result
    .replace(AUTHORIZATION_SCHEME, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(ZIP_DOWNLOAD_URL, (_match, kind: string) => `/zip_downloads/${REDACTED}/${kind}`)
    .replace(
      QUOTED_FIELD,
      (_match, keyQuote: string, name: string, separator: string, valueQuote: string) =>
        `${keyQuote}${name}${keyQuote}${separator}${valueQuote}${REDACTED}${valueQuote}`,
    )
    .replace(FORM_PARAMETER, (_match, name: string) => `${name}=${REDACTED}`);
}

/**
 * Turns a log argument into text the way a log channel would, so it can be redacted before it leaves. An error
 * reads as its name and message, then each cause that adds something; its stack only with `withStack` (a
 * debugging aid: in a minified bundle it is noise to anyone else).
 */
export function formatLogArgument(value: unknown, withStack = true): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value instanceof Error) {
    return withStack ? (value.stack ?? `${value.name}: ${value.message}`) : errorChain(value);
  }
  return inspect(value, { depth: 4, breakLength: Infinity });
}

/** "PullError: … ← BoxApiError: …", skipping a cause whose message the error before it already quotes. */
function errorChain(error: Error): string {
  const parts = [`${error.name}: ${error.message}`];
  let said = error.message;
  for (let cause = error.cause, depth = 0; cause !== undefined && depth < 8; depth++) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (!said.includes(message)) parts.push(cause instanceof Error ? `${cause.name}: ${message}` : message);
    said = message;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join(' ← ');
}

export interface RedactingLoggerOptions {
  /** Whether errors are logged with their stack, asked at each line (the sink's level may change); default yes. */
  stacks?: () => boolean;
}

/**
 * Wraps a sink so every message and argument is redacted first. Arguments are formatted to strings here because
 * a sink would otherwise format objects itself, after redaction had a chance to look at them.
 */
export function createRedactingLogger(
  sink: Logger,
  secrets?: () => Iterable<string>,
  options: RedactingLoggerOptions = {},
): Logger {
  const forward =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      const extra = secrets ? [...secrets()] : undefined;
      const withStack = options.stacks?.() ?? true;
      const redactedArgs = args.map((arg) => redactSecrets(formatLogArgument(arg, withStack), extra));
      sink[level](redactSecrets(message, extra), ...redactedArgs);
    };
  return {
    trace: forward('trace'),
    debug: forward('debug'),
    info: forward('info'),
    warn: forward('warn'),
    error: forward('error'),
  };
}
