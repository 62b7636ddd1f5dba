// Runs the Playwright UI tests (out/test/ui/**/*.test.js) with mocha on the system Node: `npm run test:ui`.
// Each test file starts its own workbench (test/ui/uiSession.ts). Env BOX_PULL_UI_GREP narrows the run;
// screenshots land in test-output/screenshots/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { findHostInstall } from '../host/hostInstall';

function findTestFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return findTestFiles(full);
      return entry.isFile() && entry.name.endsWith('.test.js') ? [full] : [];
    })
    .sort();
}

async function main(): Promise<number> {
  const host = findHostInstall(); // fails fast, with the fix, when the host is not installed
  console.log(`[ui] code-server ${host.codeServerVersion}, chromium ${host.chromiumPath}`);
  const mocha = new Mocha({ ui: 'bdd', timeout: 180_000, reporter: 'spec' });
  if (process.env.BOX_PULL_UI_GREP) mocha.grep(process.env.BOX_PULL_UI_GREP);
  for (const file of findTestFiles(__dirname)) mocha.addFile(file);
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[ui] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
