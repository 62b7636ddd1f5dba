/**
 * `box-pull`: the headless front end. It runs the same core pipeline as the extension, so scripts and
 * benchmarks measure exactly what users get.
 */
import * as readline from 'node:readline/promises';
import { BoxClient } from '../core/box/client';
import { resolveSharedLink } from '../core/box/sharedLink';
import type {
  ConflictDecision,
  ConflictPrompter,
  FileConflict,
  FileFacts,
} from '../core/place/conflictPolicy';
import { formatBytes } from '../core/pull/progress';
import { createRedactingLogger, nullLogger, redactSecrets, type Logger } from '../core/logger';
import { isAbortError } from '../core/abort';
import { pull } from '../core/pull/pull';
import { parseCommandLine, UsageError, USAGE, type PullCommand } from './args';
import { progressLine, summary } from './render';
import { PullError, messageOf } from '../core/errors';
import { describeFailure } from '../core/failureText';
import { capYoungGeneration } from './youngGeneration';
import { holdOptimizingCompiler } from './optimizingCompiler';

const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`box-pull: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.conflictPolicy === 'ask' && !process.stdin.isTTY) {
    process.stderr.write('box-pull: --on-conflict ask needs a terminal; use overwrite or skip.\n');
    return 2;
  }
  return runPull(command);
}

async function runPull(command: PullCommand): Promise<number> {
  capYoungGeneration();
  const resumeOptimizing = holdOptimizingCompiler();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  // A service manager's stop (SIGTERM) and a closed terminal (SIGHUP) cancel like Ctrl-C: the staging folder is
  // removed and nothing half-written is left. `once`: a second signal ends the process the default way.
  for (const signal of CANCEL_SIGNALS) process.once(signal, onSignal);

  const logger = cliLogger(command);
  const base = new BoxClient({
    baseUrl: command.apiUrl,
    tokenProvider: { getAccessToken: async () => command.token },
    logger,
    userAgent: 'box-pull-cli',
  });
  const live = !command.json && !command.quiet && process.stderr.isTTY;
  try {
    const { client, item } = await target(base, command, controller.signal);
    const report = await pull({
      client,
      items: [item],
      destination: command.destination,
      conflictPolicy: command.conflictPolicy,
      options: {
        include: command.include,
        exclude: command.exclude,
        streams: command.streams,
        update: !command.full,
        delete: command.delete,
        dryRun: command.dryRun,
      },
      prompter: command.conflictPolicy === 'ask' ? terminalPrompter(controller) : undefined,
      signal: controller.signal,
      logger,
      onProgress: (progress) => {
        if (progress.phase !== 'preparing') resumeOptimizing();
        if (command.json) writeJson({ event: 'progress', ...progress });
        else if (live) process.stderr.write(`\r\x1b[K${progressLine(progress)}`);
      },
    });
    if (live) process.stderr.write('\r\x1b[K');
    if (command.json) writeJson({ event: 'done', ...report });
    else if (!command.quiet) process.stdout.write(`${summary(report).join('\n')}\n`);
    // A file that never matched Box's SHA-1 was left out: the pull did not bring everything.
    return report.checksumMismatches?.length ? 1 : 0;
  } catch (error) {
    if (live) process.stderr.write('\r\x1b[K');
    const cancelled = isAbortError(error) || controller.signal.aborted;
    // A server's words may echo the token: redacted like the logs, with the token as a literal.
    // The same words as the extension (core/failureText); the raw answer (request, request id) is the detail.
    const message = cancelled
      ? cancelledMessage(error)
      : redactSecrets(describeFailure(error, command.item?.type ?? 'item'), secretsOf(command));
    const detail = redactSecrets(messageOf(error), secretsOf(command));
    if (!cancelled && detail !== message) logger.info(`Details: ${detail}`);
    if (command.json)
      writeJson({
        event: 'error',
        kind: cancelled ? 'cancelled' : errorKind(error),
        message,
        ...(cancelled ? { filesUndone: (error as { filesUndone?: number }).filesUndone ?? 0 } : { detail }),
      });
    process.stderr.write(`box-pull: ${message}\n`);
    return cancelled ? 130 : 1;
  } finally {
    for (const signal of CANCEL_SIGNALS) process.off(signal, onSignal);
  }
}

/** Only warnings and errors reach the terminal; set BOX_PULL_LOG=debug for more. Secrets are always redacted. */
function cliLogger(command: PullCommand): Logger {
  if (command.json || command.quiet) return nullLogger;
  const level = process.env.BOX_PULL_LOG ?? 'warn';
  const order = ['trace', 'debug', 'info', 'warn', 'error'];
  const threshold = order.indexOf(level) === -1 ? 3 : order.indexOf(level);
  const write =
    (name: string) =>
    (message: string, ...args: unknown[]) => {
      process.stderr.write(`\r\x1b[K[${name}] ${[message, ...args.map(String)].join(' ')}\n`);
    };
  const sink: Logger = {
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
  const redacting = createRedactingLogger(sink, () => secretsOf(command));
  // A level that prints nothing is dropped before its words are redacted (every API answer is logged at debug).
  const shown = (name: keyof Logger) =>
    order.indexOf(name) < threshold ? nullLogger[name] : redacting[name];
  return {
    trace: shown('trace'),
    debug: shown('debug'),
    info: shown('info'),
    warn: shown('warn'),
    error: shown('error'),
  };
}

/** What no output may show: the token and a shared link's password. */
function secretsOf(command: PullCommand): string[] {
  const password = command.sharedLink?.password;
  return password ? [command.token, password, encodeURIComponent(password)] : [command.token];
}

/** The item to pull and the client for it: a shared link is resolved, and its client sends the link every time. */
async function target(
  client: BoxClient,
  command: PullCommand,
  signal: AbortSignal,
): Promise<{ client: BoxClient; item: { type: 'folder' | 'file'; id: string } }> {
  if (!command.sharedLink) return { client, item: command.item! };
  const shared = await resolveSharedLink(client, command.sharedLink, signal);
  return { client: shared.client, item: { type: shared.type, id: shared.id } };
}

/**
 * Asks on the terminal, with Box's and the local size and date. Enter keeps the local file (the safe choice);
 * Cancel ends the pull with nothing changed. A cancel ends the question at once; Ctrl-C typed at it (raw mode: no
 * SIGINT) cancels too.
 */
function terminalPrompter(controller: AbortController): ConflictPrompter {
  return {
    async decide(conflict): Promise<ConflictDecision> {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
      rl.on('SIGINT', () => controller.abort());
      try {
        const answer = await rl.question(`\r\x1b[K${conflictQuestion(conflict)}`, {
          signal: controller.signal,
        });
        const choice = answer.trim();
        if (choice === 't' || choice.toLowerCase() === "take box's") return 'overwrite';
        if (choice === 'T') return 'overwriteAll';
        if (choice === 'K') return 'skipAll';
        if (choice.toLowerCase() === 'c') controller.abort();
        return 'skip';
      } finally {
        rl.close();
      }
    },
  };
}

/** One conflict as a question: both sides' size and date, then the choices. */
function conflictQuestion(conflict: FileConflict): string {
  const facts = (side: FileFacts | undefined) =>
    side
      ? `${formatBytes(side.size)}, ${side.modifiedMs ? `${new Date(side.modifiedMs).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '?'}`
      : '?';
  return (
    `${conflict.relativePath} differs. Box's: ${facts(conflict.incoming)} · yours: ${facts(conflict.existing)}\n` +
    `  [t] Take Box's, [k] Keep mine (Enter), [T] Take Box's to all, [K] Keep mine to all, [c] Cancel: `
  );
}

/** Says the destination is as it was only when the pull says so (placing undoes itself on a cancel). */
function cancelledMessage(error: unknown): string {
  const { destinationRestored, leftover } = (error ?? {}) as {
    destinationRestored?: boolean;
    leftover?: string;
  };
  if (destinationRestored !== false) return 'Cancelled. The destination is as it was.';
  return `Cancelled, but not everything could be put back as it was${leftover ? `; see ${leftover}` : ''}.`;
}

/** The `kind` of a JSON `error` event: the PullError's code. */
function errorKind(error: unknown): string {
  return error instanceof PullError ? error.code : 'failed';
}

function writeJson(event: object): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`box-pull: ${redactSecrets(messageOf(error))}\n`);
    process.exitCode = 1;
  },
);
