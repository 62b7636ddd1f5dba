// The download-origin side of `GET /2.0/files/{id}/content`: the short-lived link its 302 points at, serving the
// file's bytes with `Range` support and the same bytes-per-second cap as the ZIP stream.
import { createReadStream } from 'node:fs';
import type { RouteArgs } from './apiRoutes';
import { notFound } from './errors';
import { sendEmpty } from './http';
import { pump } from './pump';

/** Parses a single `bytes=a-b` range; `undefined` = whole file, `null` = unsatisfiable. */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined | null {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? null : { start, end };
}

export async function getFileLink({ ctx, req, res, params }: RouteArgs): Promise<void> {
  const link = ctx.fileLinks.get(params[0]);
  if (!link || link.expiresAt < ctx.clock.now()) throw notFound();
  const file = await ctx.tree.info(link.relPath);
  if (file?.type !== 'file') throw notFound();
  ctx.stats.fileContentDownloads++;
  if (req.headers.range) ctx.stats.fileContentRanges++;

  const range = parseRange(req.headers.range, file.size);
  if (range === null) return sendEmpty(res, 416, { 'content-range': `bytes */${file.size}` });
  const start = range?.start ?? 0;
  const end = range?.end ?? file.size - 1;
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'content-length': String(Math.max(0, end - start + 1)),
    'content-disposition': `attachment;filename*=UTF-8''${encodeURIComponent(file.name)}`,
    'accept-ranges': 'bytes',
  };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (file.size === 0) return void res.end();
  const stream = createReadStream(ctx.tree.absolute(file.relPath), { start, end, highWaterMark: 256 * 1024 });
  const cut = ctx.faults.cutFileContent;
  const cutAfterBytes = cut && cut.remaining > 0 ? cut.afterBytes : undefined;
  if (cut && cutAfterBytes !== undefined) cut.remaining--;
  pump(stream, res, { faults: ctx.faults, cutAfterBytes, onEnd: () => undefined });
}
