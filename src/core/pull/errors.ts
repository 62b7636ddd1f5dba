/** Why a pull failed, in words a user can act on. `kind` lets a front end choose its message and exit code. */
export type PullErrorKind =
  | 'not_found'
  | 'access_denied'
  | 'too_large'
  | 'download_failed'
  | 'archive_invalid'
  | 'incomplete'
  | 'destination'
  | 'sign_in_required';

export class PullError extends Error {
  constructor(
    readonly kind: PullErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PullError';
  }
}
