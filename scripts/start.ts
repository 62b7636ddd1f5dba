// `npm start`: the "try it" demo. Builds and packages the extension, serves a generated sample Box account from the
// emulator, starts a real VS Code (code-server) with the extension installed, pointed at the emulator and already
// signed in with its developer token, opens an empty workspace, and prints the URL to open in a browser.
// Ctrl-C stops everything it started.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../src/emulator/index';
import { startCodeServer } from '../test/host/codeServer';
import { repoRoot } from '../test/host/hostInstall';
import { makeTree } from '../test/helpers/tree';

const DEMO_DIR = process.env.BOX_PULL_DEMO_DIR || path.join(os.homedir(), '.cache', 'box-pull-demo');
/** Bump when the sample tree below changes, so an old cached account is regenerated. */
const SAMPLE_VERSION = '1';
/** A modest cap so a person can watch the status bar; set BOX_PULL_DEMO_RATE=0 for full speed. */
const DEMO_BYTES_PER_SECOND = Number(process.env.BOX_PULL_DEMO_RATE ?? 8_000_000);

async function main(): Promise<void> {
  const root = repoRoot();
  const account = await sampleAccount();
  const vsix = path.join(DEMO_DIR, 'box-pull.vsix');
  console.log('Packaging the extension…');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--no-dependencies',
      '--out',
      vsix,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );

  const emulator = await startEmulator({
    root: account,
    port: Number(process.env.BOX_PULL_DEMO_API_PORT ?? 0),
  });
  emulator.faults.bytesPerSecond = DEMO_BYTES_PER_SECOND || undefined;
  const workspace = await fs.mkdtemp(path.join(DEMO_DIR, 'workspace-'));
  const server = await startCodeServer({
    smokeTestDriver: false,
    installVsix: vsix,
    port: Number(process.env.PORT ?? 0),
    userSettings: {
      'boxPull.apiBaseUrl': emulator.baseUrl,
      'boxPull.authBaseUrl': emulator.baseUrl,
      'workbench.activityBar.location': 'default',
    },
    // The extension stores this as a developer-token session when it has none: the demo starts signed in.
    env: { BOX_PULL_DEV_TOKEN: emulator.token, BOX_PULL_API_URL: emulator.baseUrl },
  });

  console.log('');
  console.log(`Box API emulator: ${emulator.baseUrl} serving ${account}`);
  console.log(`Workspace:        ${workspace}`);
  console.log('');
  console.log('Open this URL in a browser, then click the Box icon in the activity bar:');
  console.log(`  ${server.origin}/?folder=${encodeURIComponent(workspace)}`);
  console.log('');
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await emulator.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.serverExit.catch(async (error: Error) => {
    console.error(error.message);
    await emulator.close();
    process.exit(1);
  });
}

/** A few folders of different shapes: nested, wide (to show "Load more…"), and one with bigger files. */
async function sampleAccount(): Promise<string> {
  const account = path.join(DEMO_DIR, 'account');
  const stamp = path.join(DEMO_DIR, 'account.version');
  if ((await fs.readFile(stamp, 'utf8').catch(() => '')) === SAMPLE_VERSION) return account;
  console.log(`Generating the sample Box account in ${account}…`);
  await fs.rm(account, { recursive: true, force: true });
  await makeTree(path.join(account, 'Engineering'), {
    seed: 11,
    files: 1500,
    maxDepth: 4,
    minSize: 200,
    maxSize: 60_000,
    emptyFolders: 2,
  });
  await makeTree(path.join(account, 'Marketing Assets'), {
    seed: 12,
    files: 40,
    maxDepth: 1,
    minSize: 100_000,
    maxSize: 4_000_000,
  });
  await makeTree(path.join(account, 'Scans 2024'), {
    seed: 13,
    files: 1200,
    maxDepth: 0,
    minSize: 500,
    maxSize: 8_000,
  });
  await makeTree(path.join(account, 'Team Notes'), {
    seed: 14,
    files: 25,
    maxDepth: 2,
    minSize: 50,
    maxSize: 5_000,
  });
  await fs.writeFile(
    path.join(account, 'Welcome to Box Pull.txt'),
    'This account is served by the local Box API emulator.\n',
  );
  await fs.writeFile(stamp, SAMPLE_VERSION);
  return account;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
