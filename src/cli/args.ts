/** Parses `box-pull pull <folder> --dest <dir> ...`. A usage error throws UsageError (exit code 2). */
import { parseArgs } from 'node:util';
import { addressProblem } from '../core/box/address';
import { parseBoxReference } from '../core/box/ids';
import type { SharedLinkCredentials } from '../core/box/client';
import type { ConflictPolicy } from '../core/place/conflictPolicy';
import { messageOf } from '../core/errors';

export const USAGE = `Usage: box-pull pull <folder-id | Box folder URL | shared link> --dest <dir> [options]

Options:
  --dest <dir>              where the folder's contents go (created if missing)
  --api-url <url>           Box API origin (default https://api.box.com; env BOX_API_URL)
  --token <token>           access or developer token (env BOX_TOKEN)
  --on-conflict <policy>    overwrite | skip | ask (default skip; ask needs a terminal)
  --include <glob>          pull only files matching it (repeatable; paths relative to the folder, with /)
  --exclude <glob>          leave out files and folders matching it (repeatable)
  --streams <n>             ZIP downloads at once when the folder is split (default 3)
  --shared-link-password <password>
                            the shared link's password (env BOX_SHARED_LINK_PASSWORD)
  --full                    pull everything again, even into a folder pulled before
  --delete                  on an update, remove files deleted on Box (never ones edited here)
  --dry-run                 on an update, print the plan and change nothing
  --json                    print one JSON event per line instead of a progress line
  --quiet                   print nothing but errors
  -h, --help                show this help

Exit codes: 0 success, 1 failure (reason on stderr), 2 usage error, 130 cancelled.`;

export class UsageError extends Error {}

export interface PullCommand {
  /** What to pull; for a shared link, resolved from `sharedLink` when the pull starts. */
  item?: { type: 'folder' | 'file'; id: string };
  /** A shared link (`https://app.box.com/s/…`) and its password, if any. */
  sharedLink?: SharedLinkCredentials;
  destination: string;
  apiUrl: string;
  token: string;
  conflictPolicy: ConflictPolicy;
  json: boolean;
  quiet: boolean;
  include: string[];
  exclude: string[];
  streams?: number;
  /** A folder pulled before is updated (core/update) unless `full`. */
  full: boolean;
  delete: boolean;
  dryRun: boolean;
}

export type Command = { kind: 'help' } | ({ kind: 'pull' } & PullCommand);

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dest: { type: 'string' },
        'api-url': { type: 'string' },
        token: { type: 'string' },
        'on-conflict': { type: 'string' },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        streams: { type: 'string' },
        'shared-link-password': { type: 'string' },
        json: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        delete: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };
  const [verb, target, ...extra] = positionals;
  if (verb !== 'pull') throw new UsageError(`Unknown command "${verb}". The only command is "pull".`);
  if (!target) throw new UsageError('Missing the Box folder id or URL.');
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  const reference = parseBoxReference(target);
  if (!reference) {
    throw new UsageError(`"${target}" is not a Box folder id, a Box folder URL or a shared link.`);
  }
  const password = values['shared-link-password'] ?? env.BOX_SHARED_LINK_PASSWORD;
  if (values['shared-link-password'] !== undefined && reference.type !== 'shared_link') {
    throw new UsageError('--shared-link-password goes with a shared link (https://app.box.com/s/…).');
  }
  const subject =
    reference.type === 'shared_link'
      ? { sharedLink: { url: reference.url, ...(password ? { password } : {}) } }
      : { item: reference };
  if (!values.dest) throw new UsageError('Missing --dest <dir>.');
  const token = values.token ?? env.BOX_TOKEN;
  if (!token) throw new UsageError('Missing a token: pass --token <token> or set BOX_TOKEN.');
  // Typically a token read from a file with its newline; an HTTP header cannot carry it.
  if (/[\r\n]/.test(token)) throw new UsageError('The token has a line break in it; remove it.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(token)) {
    throw new UsageError('The token has a control character in it; remove it.');
  }
  const policy = values['on-conflict'] ?? 'skip';
  if (policy !== 'overwrite' && policy !== 'skip' && policy !== 'ask') {
    throw new UsageError(`--on-conflict must be overwrite, skip or ask, not "${policy}".`);
  }
  const apiUrl = values['api-url'] ?? env.BOX_API_URL ?? 'https://api.box.com';
  let protocol;
  try {
    protocol = new URL(apiUrl).protocol;
  } catch {
    throw new UsageError(`--api-url "${apiUrl}" is not a URL.`);
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new UsageError(`--api-url must be an http:// or https:// URL, not "${apiUrl}".`);
  }
  // The token goes there: plain http only on this machine (the emulator, a local proxy).
  const problem = addressProblem(apiUrl);
  if (problem) throw new UsageError(problem);
  const streams = values.streams === undefined ? undefined : Number(values.streams);
  if (streams !== undefined && !(Number.isInteger(streams) && streams >= 1 && streams <= 5)) {
    throw new UsageError(
      `--streams must be a whole number from 1 to 5 (Box allows 5 at once), not "${values.streams}".`,
    );
  }
  return {
    kind: 'pull',
    include: values.include ?? [],
    exclude: values.exclude ?? [],
    ...(streams === undefined ? {} : { streams }),
    ...subject,
    destination: values.dest,
    apiUrl: apiUrl.replace(/\/+$/, ''),
    token,
    conflictPolicy: policy,
    json: values.json,
    quiet: values.quiet,
    full: values.full,
    delete: values.delete,
    dryRun: values['dry-run'],
  };
}
