// Size of the extension bundle: dist/extension.js as built, and the same entry bundled the way `npm run package`
// ships it (minified, no source map) into a scratch file, so dist/ is left as `npm run build` made it.
import * as esbuild from 'esbuild';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExtensionResult } from './results';

export const EXTENSION_LIMIT_BYTES = 1024 * 1024;

export async function extensionSize(projectDir: string, workDir: string): Promise<ExtensionResult> {
  const devBytes = (await fs.stat(path.join(projectDir, 'dist', 'extension.js'))).size;
  const outfile = path.join(workDir, 'extension.production.js');
  // Mirrors esbuild.mjs with --production.
  await esbuild.build({
    entryPoints: [path.join(projectDir, 'src', 'extension.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: false,
    external: ['vscode'],
    logLevel: 'silent',
  });
  const productionBytes = (await fs.stat(outfile)).size;
  await fs.rm(outfile, { force: true });
  return { devBytes, productionBytes };
}
