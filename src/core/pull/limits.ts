// Box's ZIP limits as learned from its refusals: never constants, since the byte limit depends on the account and
// the file limit may change. A refusal of a part tightens the limit below that part's size.
import { BoxApiError } from '../errors';
import type { Limits } from './partition';

export const FILE_LIMIT_CODE = 'zip_download_file_count_exceeded_limit';
export const BYTE_LIMIT_CODE = 'zip_download_pre_compressed_bytes_exceeded_limit';

export const NO_LIMITS: Limits = { maxFiles: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

/** Which limit Box said a ZIP request broke, if that is why it refused it. */
export function limitRefusal(error: unknown): 'files' | 'bytes' | undefined {
  if (!(error instanceof BoxApiError) || error.status !== 400) return undefined;
  if (error.code === FILE_LIMIT_CODE) return 'files';
  if (error.code === BYTE_LIMIT_CODE) return 'bytes';
  return undefined;
}

/**
 * The limits after Box refused a request of `refused` files and bytes. A limit Box states in its message ("limit of
 * 10,000") is taken when it is below what was refused; otherwise the refused amount is halved.
 */
export function learnLimits(
  error: unknown,
  refused: { files: number; bytes: number },
  limits: Limits,
): Limits {
  const kind = limitRefusal(error);
  if (kind === 'files') {
    const stated = /limit of ([\d,]+)/i.exec((error as BoxApiError).boxMessage ?? '')?.[1];
    const said = stated === undefined ? Number.NaN : Number(stated.replace(/,/g, ''));
    const next = said >= 1 && said < refused.files ? said : Math.floor(refused.files / 2);
    return { ...limits, maxFiles: Math.min(limits.maxFiles, next) };
  }
  if (kind === 'bytes')
    return { ...limits, maxBytes: Math.min(limits.maxBytes, Math.floor(refused.bytes / 2)) };
  return limits;
}
