// Bundles the extension, the CLI and the emulator, following VS Code's bundling guide:
// `--production` minifies, `--watch` rebuilds on change and prints lines for the $esbuild-watch matcher.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints build start/end and errors in the format of the `$esbuild-watch` problem matcher. */
const problemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

/**
 * Keeps the network and archive code (undici, yauzl, the pipeline) out of the extension's main bundle: the extension
 * imports it lazily from src/vscode/heavy.ts, so activation only parses a small file.
 */
const lazyHeavyModulesPlugin = {
  name: 'lazy-heavy-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/heavyModules$/ }, () => ({ path: './heavyModules.js', external: true }));
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  external: ['vscode'],
  plugins: [problemMatcherPlugin],
};

const entries = [
  {
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    plugins: [lazyHeavyModulesPlugin, problemMatcherPlugin],
  },
  { entryPoints: ['src/vscode/heavyModules.ts'], outfile: 'dist/heavyModules.js' },
  // A worker_threads program, loaded by path from beside the bundle that starts it (workerFileSink.ts).
  { entryPoints: ['src/core/extract/writerThread.ts'], outfile: 'dist/writerThread.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    entryPoints: ['src/emulator/main.ts'],
    outfile: 'dist/emulator.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];

async function main() {
  const contexts = await Promise.all(entries.map((entry) => esbuild.context({ ...common, ...entry })));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  let failed = false;
  for (const ctx of contexts) {
    try {
      await ctx.rebuild();
    } catch {
      failed = true;
    }
    await ctx.dispose();
  }
  if (failed) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
