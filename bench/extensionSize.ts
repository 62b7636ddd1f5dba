// Size of the extension's entry bundle, dist/extension.js, as the bench's own `npm run build` left it (not
// minified, so the packaged file is smaller still). Other bundles it loads lazily are listed for information.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExtensionResult } from './results';

export const EXTENSION_LIMIT_BYTES = 1024 * 1024;
/** Bundles that are not loaded by the extension host. */
const NOT_EXTENSION = new Set(['extension.js', 'cli.js', 'emulator.js']);

export async function extensionSize(projectDir: string): Promise<ExtensionResult> {
  const dist = path.join(projectDir, 'dist');
  const entryBytes = (await fs.stat(path.join(dist, 'extension.js'))).size;
  const lazyBundles: Record<string, number> = {};
  for (const name of await fs.readdir(dist)) {
    if (name.endsWith('.js') && !NOT_EXTENSION.has(name)) {
      lazyBundles[name] = (await fs.stat(path.join(dist, name))).size;
    }
  }
  return { entryBytes, lazyBundles };
}
