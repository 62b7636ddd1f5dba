// What a failure means to a person, in one line: what happened and what to do. The one home of this wording, so
// the CLI and the extension say the same thing. The raw text ("Box answered 404 not_found for GET … (request id
// …)") stays in the error's message, for the log. Errors are recognised by `name` and `code` along the cause
// chain, not by `instanceof`: the extension loads the pipeline as a second bundle with its own copy of errors.ts.
import { messageOf } from './errors';

/** What the failed request was about, for "This folder no longer exists …". */
export type FailureSubject = 'folder' | 'file' | 'item';

type Named = Error & { code?: unknown; status?: unknown; boxMessage?: unknown };

/** The one-line explanation of `error` for a person; `subject` names what the request was about. */
export function describeFailure(error: unknown, subject: FailureSubject = 'item'): string {
  // Words a wrapper added after the cause it quotes ("… Its temporary folder … could not be removed"), kept.
  const added: string[] = [];
  for (const current of causeChain(error)) {
    const quoted = quotedCause(current);
    if (quoted !== undefined) {
      const after = current.message.slice(current.message.indexOf(quoted) + quoted.length);
      const words = after.replace(/^[\s.]+/, '');
      if (words) added.unshift(words);
      continue;
    }
    const described = describeOne(current, subject);
    if (described) return [described, ...added].join(' ');
  }
  return messageOf(error);
}

/**
 * The cause's message, when `error` is a PullError that only quotes it ("Box refused access. Box answered 403 …"):
 * the cause explains it better. One with words of its own ("The ZIP download link expired …") speaks for itself.
 */
function quotedCause(error: Named): string | undefined {
  if (error.name !== 'PullError' || !(error.cause instanceof Error)) return undefined;
  return error.message.includes(error.cause.message) ? error.cause.message : undefined;
}

function describeOne(error: Named, subject: FailureSubject): string | undefined {
  switch (error.name) {
    case 'SignInRequiredError':
    case 'PullError':
    case 'ArchiveError':
    case 'OAuthError':
    case 'LockTimeoutError':
      return error.message;
    case 'BoxApiError':
      return describeAnswer(error, subject);
    case 'BoxNetworkError':
      return describeNetwork(String(error.code));
    default:
      return undefined;
  }
}

const THIS: Record<FailureSubject, string> = {
  folder: 'This folder',
  file: 'This file',
  item: 'This item',
};

function describeAnswer(error: Named, subject: FailureSubject): string {
  const status = Number(error.status);
  if (status === 401) return 'Box no longer accepts your sign-in. Sign in again.';
  if (status === 403 && error.code === 'incorrect_shared_item_password') {
    return 'The shared link needs a password, and the one given is missing or wrong. Check it and try again.';
  }
  if (status === 403) {
    return `You do not have permission for this ${subject} on Box. Ask its owner for access.`;
  }
  if (status === 404) return `${THIS[subject]} no longer exists on Box, or you lost access to it.`;
  if (status === 429) return 'Box is limiting requests right now. Wait a minute, then try again.';
  if (status >= 500) return `Box is having trouble (error ${status}). Try again in a few minutes.`;
  if (status >= 200 && status < 300) {
    // invalid_response, response_too_large, endless_listing: an answer that cannot be used.
    return 'Box sent an answer that cannot be used. Try again later.';
  }
  // Anything else (400, 405, 409, …) is rare: Box's own words, when it gave some, are the best hint.
  const said = typeof error.boxMessage === 'string' && error.boxMessage ? `: ${error.boxMessage}` : '.';
  return `Box refused the request (error ${status})${said}`;
}

function describeNetwork(code: string): string {
  switch (code) {
    case 'timeout':
      return 'Box did not answer in time. Check your connection, then try again.';
    case 'refused':
    case 'dns':
      return 'Cannot reach Box. Check your internet connection and proxy settings.';
    default:
      return 'The connection to Box was interrupted. Check your connection, then try again.';
  }
}

/** The error, then its causes, outermost first (a bounded walk: causes may loop). */
function* causeChain(error: unknown): Generator<Named> {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    yield current as Named;
    current = current.cause;
  }
}
