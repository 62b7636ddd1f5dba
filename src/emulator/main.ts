// `npm run emulator -- --root <dir> [--port <n>] [--token <t>] [fault flags]`
// Prints the API base URL on the first stdout line and the developer token on the second; everything else goes
// to stderr, so scripts can read the two lines and carry on.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { startEmulator } from './index';
import type { EmulatorFaults, ZipCompression } from './options';
import type { SharedLinkConfig } from './sharedLinks';

const USAGE = `Usage: npm run emulator -- --root <dir> [options]

  --root <dir>                    directory served as "All Files" (folder id 0)
  --port <n>                      API port (default 0 = any free port)
  --download-port <n>             download-origin port (default 0 = any free port)
  --token <t>                     developer token to accept (default: random)
  --rate-limit N[:retryAfterSec]  next N API requests answer 429 rate_limit_exceeded
  --server-errors N[:status[:retryAfterSec]]  next N API requests answer 500/502/503
  --bytes-per-second N            cap the ZIP stream and file content
  --cut-after-bytes N             destroy ZIP download sockets after N bytes
  --freeze-after-bytes N          ZIP downloads go silent (socket open) after N bytes
  --cut-downloads N               only cut the next N downloads (default: all)
  --entry-delay-ms N              pause before each ZIP entry
  --inaccessible <relpath>        a file or folder the user cannot access (repeatable)
  --shared-link <relpath>=<hash>[:<password>]
                                  a link-only item at https://app.box.com/s/<hash> (repeatable)
  --zip-refuses-link-only         POST /zip_downloads answers 404 for items reached through a shared link
  --access-token-ttl S            OAuth access-token lifetime (default 3600)
  --auth-code-ttl S               authorization-code lifetime (default 30)
  --status-in-progress-polls N    report in_progress for N polls after a ZIP stream ended
  --status-hang <mode>            ZIP status requests hang: silent (no answer) | headers (headers, no body)
  --max-zip-files N               file limit per ZIP (default 10000)
  --max-zip-bytes N               byte limit per ZIP (default 32 GiB)
  --latency-ms N                  delay every API answer by N ms
  --zip-url-ttl S                 lifetime of an unused download URL (default 60)
  --zip-compression <mode>        deflate | store | mixed (default deflate)
  --compression-level N           zlib level for deflated entries (default 1)
  --force-zip64                   ZIP64 records even when not needed
  --no-auto-approve               show a consent page on /api/oauth2/authorize
  --deny-authorization            authorize redirects with error=access_denied
  --verbose                       log each request (method, path, status) to stderr
  --help                          show this help
`;

function integer(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} needs a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function optionalInteger(name: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : integer(name, raw);
}

/** Turns parsed flags into fault knobs; exported for tests. */
export function faultsFromFlags(
  values: Record<string, string | string[] | boolean | undefined>,
): Partial<EmulatorFaults> {
  const text = (name: string) => values[name] as string | undefined;
  const faults: Partial<EmulatorFaults> = {};
  const rateLimit = text('rate-limit');
  if (rateLimit !== undefined) {
    const [count, retryAfter] = rateLimit.split(':');
    faults.rateLimit = {
      remaining: integer('rate-limit', count),
      retryAfterSeconds: optionalInteger('rate-limit', retryAfter),
    };
  }
  const serverErrors = text('server-errors');
  if (serverErrors !== undefined) {
    const [count, status, retryAfter] = serverErrors.split(':');
    const code = optionalInteger('server-errors', status) ?? 500;
    if (![500, 502, 503].includes(code)) throw new Error('--server-errors status must be 500, 502 or 503');
    faults.serverErrors = {
      remaining: integer('server-errors', count),
      status: code as 500 | 502 | 503,
      retryAfterSeconds: optionalInteger('server-errors', retryAfter),
    };
  }
  const numeric: [string, keyof EmulatorFaults][] = [
    ['bytes-per-second', 'bytesPerSecond'],
    ['cut-after-bytes', 'cutAfterBytes'],
    ['cut-downloads', 'cutDownloads'],
    ['freeze-after-bytes', 'freezeAfterBytes'],
    ['entry-delay-ms', 'entryDelayMs'],
    ['access-token-ttl', 'accessTokenTtlSeconds'],
    ['auth-code-ttl', 'authCodeTtlSeconds'],
    ['status-in-progress-polls', 'statusInProgressPolls'],
    ['max-zip-files', 'maxZipFiles'],
    ['max-zip-bytes', 'maxZipBytes'],
    ['zip-url-ttl', 'zipUrlTtlSeconds'],
    ['latency-ms', 'latencyMs'],
    ['compression-level', 'compressionLevel'],
  ];
  for (const [flag, knob] of numeric) {
    const value = optionalInteger(flag, text(flag));
    if (value !== undefined) (faults as Record<string, unknown>)[knob] = value;
  }
  const compression = text('zip-compression');
  if (compression !== undefined) {
    if (!['deflate', 'store', 'mixed'].includes(compression))
      throw new Error('--zip-compression: deflate|store|mixed');
    faults.zipCompression = compression as ZipCompression;
  }
  const statusHang = text('status-hang');
  if (statusHang !== undefined) {
    if (statusHang !== 'silent' && statusHang !== 'headers') throw new Error('--status-hang: silent|headers');
    faults.statusHang = statusHang;
  }
  if (values['inaccessible']) faults.inaccessible = values['inaccessible'] as string[];
  if (values['force-zip64']) faults.forceZip64 = true;
  if (values['zip-refuses-link-only']) faults.zipRefusesLinkOnly = true;
  if (values['no-auto-approve']) faults.autoApprove = false;
  if (values['deny-authorization']) faults.denyAuthorization = true;
  return faults;
}

const STRING_FLAGS = [
  'root',
  'port',
  'download-port',
  'token',
  'rate-limit',
  'server-errors',
  'bytes-per-second',
  'cut-after-bytes',
  'cut-downloads',
  'freeze-after-bytes',
  'entry-delay-ms',
  'access-token-ttl',
  'auth-code-ttl',
  'status-in-progress-polls',
  'status-hang',
  'max-zip-files',
  'max-zip-bytes',
  'zip-url-ttl',
  'latency-ms',
  'zip-compression',
  'compression-level',
];
/** `--shared-link Docs=abc123:pw` → a link-only shared link; exported for tests. */
export function sharedLinksFromFlags(raw: string[] | undefined): SharedLinkConfig[] {
  return (raw ?? []).map((flag) => {
    const match = /^(.+)=([A-Za-z0-9_-]+)(?::(.*))?$/.exec(flag);
    if (!match) throw new Error(`--shared-link needs <relpath>=<hash>[:<password>], got "${flag}"`);
    return { path: match[1], hash: match[2], ...(match[3] ? { password: match[3] } : {}) };
  });
}

const BOOLEAN_FLAGS = [
  'zip-refuses-link-only',
  'force-zip64',
  'no-auto-approve',
  'deny-authorization',
  'verbose',
  'help',
];

async function main(): Promise<void> {
  const options: ParseArgsConfig['options'] = {
    ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string' as const }])),
    ...Object.fromEntries(BOOLEAN_FLAGS.map((name) => [name, { type: 'boolean' as const }])),
    inaccessible: { type: 'string', multiple: true },
    'shared-link': { type: 'string', multiple: true },
  };
  const values = parseArgs({ options }).values as Record<string, string | string[] | boolean | undefined>;
  if (values.help || !values.root) {
    process.stderr.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const emulator = await startEmulator({
    root: values.root as string,
    port: optionalInteger('port', values.port as string | undefined),
    downloadPort: optionalInteger('download-port', values['download-port'] as string | undefined),
    token: values.token as string | undefined,
    faults: faultsFromFlags(values),
    sharedLinks: sharedLinksFromFlags(values['shared-link'] as string[] | undefined),
    log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  // Handlers first: a script may send SIGTERM the moment it has read the two lines.
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`${emulator.baseUrl}\n${emulator.token}\n`);
  process.stderr.write(`Box emulator serving ${values.root}; downloads from ${emulator.downloadOrigin}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`box emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
