// Listing a folder of 10,000 entries: one request for the first page, at most ten for all of it. The emulator runs
// in process here, because the request counter lives in its stats object.
import { BoxClient } from '../src/core/box/client';
import { startEmulator } from '../src/emulator/index';
import type { BenchContext } from './context';
import type { Corpus } from './corpora';
import type { TreeResult } from './results';

export const FIRST_PAGE_REQUEST_LIMIT = 1;
/** Pages of 1000 (Box's maximum): ten requests for the target's 10,000 entries. */
export const PAGE_SIZE = 1000;

export function allPagesRequestLimit(entries: number): number {
  return Math.ceil(entries / PAGE_SIZE);
}

export async function treeSuite(ctx: BenchContext, treesDir: string, corpus: Corpus): Promise<TreeResult> {
  const emulator = await startEmulator({ root: treesDir });
  try {
    const client = new BoxClient({
      baseUrl: emulator.baseUrl,
      tokenProvider: { getAccessToken: async () => emulator.token },
    });
    const folderId = emulator.idForPath(corpus.spec.name);
    const result: TreeResult = {
      entries: corpus.fileCount,
      firstPageRequests: 0,
      firstPageEntries: 0,
      allRequests: 0,
      allEntries: 0,
      firstPageMs: [],
      allMs: [],
    };
    // Request counts never vary; quick mode lists once.
    for (let run = 0; run < (ctx.quick ? 1 : ctx.runs); run++) {
      let before = emulator.stats.apiRequests;
      let started = performance.now();
      const page = await client.listFolderItems(folderId);
      result.firstPageMs.push(performance.now() - started);
      result.firstPageRequests = Math.max(result.firstPageRequests, emulator.stats.apiRequests - before);
      result.firstPageEntries = page.entries.length;

      before = emulator.stats.apiRequests;
      started = performance.now();
      let entries = 0;
      for await (const _item of client.iterateFolderItems(folderId)) entries++;
      result.allMs.push(performance.now() - started);
      result.allRequests = Math.max(result.allRequests, emulator.stats.apiRequests - before);
      result.allEntries = entries;
    }
    ctx.log(
      `  tree: first page ${result.firstPageEntries} entries in ${result.firstPageRequests} request(s); ` +
        `all ${result.allEntries} entries in ${result.allRequests} request(s)`,
    );
    if (result.allEntries !== corpus.fileCount) {
      throw new Error(`Listing returned ${result.allEntries} entries, expected ${corpus.fileCount}`);
    }
    return result;
  } finally {
    await emulator.close();
  }
}
