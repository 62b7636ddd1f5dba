// The code under test, frozen at the start of a bench run. Other work in the checkout may rebuild dist/ and out/
// while a full run takes its half hour; timing a different build halfway through would make the comparison
// meaningless. The CLI and emulator bundles are self-contained files beside the writer thread's program, which they
// load from their own folder, so copies suffice; the extraction worker is bundled the same way the CLI is (esbuild,
// one file, with the writer thread beside it), which also means it loads like the shipped code.
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface BuildSnapshot {
  cli: string;
  emulator: string;
  extractWorker: string;
  /** Git commit of the checkout, with a note when it has uncommitted changes. */
  revision: string;
}

export async function snapshotBuild(projectDir: string, workDir: string): Promise<BuildSnapshot> {
  const dir = path.join(workDir, 'snapshot');
  await fs.mkdir(dir, { recursive: true });
  const cli = path.join(dir, 'cli.js');
  const emulator = path.join(dir, 'emulator.js');
  const extractWorker = path.join(dir, 'extractWorker.js');
  await fs.copyFile(path.join(projectDir, 'dist', 'cli.js'), cli);
  await fs.copyFile(path.join(projectDir, 'dist', 'emulator.js'), emulator);
  await fs.copyFile(path.join(projectDir, 'dist', 'writerThread.js'), path.join(dir, 'writerThread.js'));
  await esbuild.build({
    entryPoints: [path.join(projectDir, 'bench', 'extractWorker.ts')],
    outfile: extractWorker,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  return { cli, emulator, extractWorker, revision: revision(projectDir) };
}

function revision(projectDir: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: projectDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit} + uncommitted changes` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
