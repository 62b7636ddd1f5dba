// The extension-tests entry loaded inside VS Code's extension host (the @vscode/test-electron contract: a module
// exporting `run()`). Runs every compiled out/test/integration/**/*.test.js with mocha's `tdd` UI.
// Env BOX_PULL_TEST_GREP narrows the run to matching test titles.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

function findTestFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return findTestFiles(full);
      return entry.isFile() && entry.name.endsWith('.test.js') ? [full] : [];
    })
    .sort();
}

export async function run(): Promise<void> {
  // This file is out/test/host/index.js; the integration tests compile to out/test/integration/.
  const testsRoot = path.resolve(__dirname, '..', 'integration');
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.BOX_PULL_TEST_GREP) mocha.grep(process.env.BOX_PULL_TEST_GREP);
  // out/ is not cleaned between compiles: skip compiled tests whose source was deleted, or they would still run.
  const sourceRoot = path.resolve(__dirname, '..', '..', '..', 'test', 'integration');
  const files = findTestFiles(testsRoot).filter((file) => {
    const source = path.join(sourceRoot, path.relative(testsRoot, file)).replace(/\.js$/, '.ts');
    if (fs.existsSync(source)) return true;
    console.log(`[host] skipping ${path.relative(testsRoot, file)}: its source file no longer exists`);
    return false;
  });
  if (files.length === 0) throw new Error(`no *.test.js files under ${testsRoot}`);
  for (const file of files) mocha.addFile(file);
  console.log(`[host] node ${process.version}, ${files.length} test file(s) under ${testsRoot}`);

  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
