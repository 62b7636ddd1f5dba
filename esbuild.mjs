// Bundles the extension, the CLI and the emulator, following VS Code's bundling guide:
// `--production` minifies, `--watch` rebuilds on change and prints lines for the $esbuild-watch matcher.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/**
 * The CLI's `undici` is only the parts it uses (the Agent, the proxy agent, and `dispatcher.request`, which undici's
 * index puts on Dispatcher.prototype): the index also loads fetch, WebSocket, caches and mocks, and its cookies
 * module reaches for `globalThis.Headers`, which makes Node load its own internal undici too. That was about a
 * tenth of an update-of-nothing's CPU, spent before the first request. The build fails if CLI code takes a value
 * from undici that is not listed here (types are free: they leave no code).
 */
const SLIM_UNDICI = {
  Agent: 'undici/lib/dispatcher/agent',
  EnvHttpProxyAgent: 'undici/lib/dispatcher/env-http-proxy-agent',
};
const slimUndiciPlugin = {
  name: 'slim-undici',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) => {
      const imports = /import\s*\{([^}]*)\}\s*from\s*'undici'/.exec(readFileSync(args.importer, 'utf8'));
      const values = (imports?.[1] ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name && !name.startsWith('type '));
      const missing = values.filter((name) => !(name in SLIM_UNDICI));
      if (!imports || missing.length > 0) {
        return {
          errors: [
            { text: `${args.importer}: add ${missing.join(', ') || 'its undici import'} to SLIM_UNDICI` },
          ],
        };
      }
      return { path: 'slim-undici', namespace: 'slim-undici' };
    });
    build.onLoad({ filter: /.*/, namespace: 'slim-undici' }, () => ({
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'js',
      contents: [
        "Object.assign(require('undici/lib/dispatcher/dispatcher').prototype, require('undici/lib/api'));",
        ...Object.entries(SLIM_UNDICI).map(([name, file]) => `exports.${name} = require('${file}');`),
      ].join('\n'),
    }));
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
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [slimUndiciPlugin, problemMatcherPlugin],
  },
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
