// `box-pull pull <shared link>` against the emulator: the ZIP path, the fallback to listing + file content when Box
// refuses to zip link-only items, the password from the flag or the environment, and the password never printed.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { diffTrees } from '../../helpers/compareTrees';
import { makeTree } from '../../helpers/tree';
import { pullArgs, requireBuiltCli, type Run, runCli } from './support';
import { emulatorFixture } from '../pull/support';

const PASSWORD = 'tr0ub4dor&3=x';

describe('box-pull CLI: shared links', function () {
  this.timeout(120_000);
  before(requireBuiltCli);
  const fixture = emulatorFixture(
    'box-pull-links-cli-',
    async (root) => {
      await makeTree(path.join(root, 'Shared'), {
        seed: 21,
        files: 12,
        maxDepth: 2,
        minSize: 0,
        maxSize: 5000,
        emptyFolders: 1,
      });
      await makeTree(path.join(root, 'Locked'), {
        seed: 22,
        files: 3,
        maxDepth: 0,
        minSize: 1,
        maxSize: 100,
      });
      await fs.mkdir(path.join(root, 'Single'));
      await fs.writeFile(path.join(root, 'Single', 'report.pdf'), Buffer.alloc(70_000, 3).fill(5, 30_000));
    },
    {
      once: true,
      emulator: {
        sharedLinks: [
          { path: 'Shared', hash: 'abc123', vanityName: 'team-docs' },
          { path: 'Single/report.pdf', hash: 'onefile7' },
          { path: 'Locked', hash: 'locked9', password: PASSWORD },
        ],
      },
    },
  );

  const pullLink = (link: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const dest = fixture.dest();
    const { baseUrl, token } = fixture.emulator;
    const run = runCli(pullArgs({ baseUrl, token }, link, dest, ...extra), {
      BOX_PULL_LOG: 'debug',
      ...env,
    });
    return run.then((result) => ({ ...result, dest }));
  };
  const done = (run: Run) =>
    JSON.parse(run.stdout.trim().split('\n').filter(Boolean).pop()!) as {
      event: string;
      filesWritten: number;
      plan?: { parts: { byContent?: boolean }[] };
    };

  it('pulls a shared link by ZIP when Box zips its items (/s/, /v/ and subdomain forms)', async () => {
    for (const link of [
      'https://app.box.com/s/abc123',
      'https://app.box.com/v/team-docs',
      'https://acme.app.box.com/s/abc123',
    ]) {
      const zips = fixture.emulator.stats.zipCreates;
      const run = await pullLink(link, ['--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await diffTrees(path.join(fixture.root, 'Shared'), run.dest), []);
      assert.equal(done(run).plan, undefined, 'one ZIP, no listing');
      assert.equal(fixture.emulator.stats.zipCreates, zips + 1);
    }
  });

  it('falls back to listing and file content when Box refuses to zip link-only items', async () => {
    fixture.emulator.faults.zipRefusesLinkOnly = true;
    try {
      const contents = fixture.emulator.stats.fileContentDownloads;
      const run = await pullLink('https://app.box.com/s/abc123', ['--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await diffTrees(path.join(fixture.root, 'Shared'), run.dest), []);
      const report = done(run);
      assert.equal(report.filesWritten, 12);
      assert.ok(
        report.plan!.parts.every((part) => part.byContent),
        JSON.stringify(report.plan),
      );
      assert.equal(fixture.emulator.stats.fileContentDownloads - contents, 12);
    } finally {
      fixture.emulator.faults.zipRefusesLinkOnly = false;
    }
  });

  it('a link to one file Box refuses to zip: fetched by its content with the link header, SHA-1 checked', async () => {
    fixture.emulator.faults.zipRefusesLinkOnly = true;
    try {
      const contents = fixture.emulator.stats.fileContentDownloads;
      const zipsAsked = () => fixture.emulator.stats.byPath['POST /2.0/zip_downloads'] ?? 0;
      const zips = zipsAsked();
      const run = await pullLink('https://app.box.com/s/onefile7', ['--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await diffTrees(path.join(fixture.root, 'Single'), run.dest), []);
      const report = done(run);
      assert.equal(report.filesWritten, 1);
      assert.deepEqual(
        report.plan!.parts.map((part) => part.byContent),
        [true],
      );
      assert.equal(zipsAsked() - zips, 1, 'one ZIP asked for, and refused');
      assert.equal(fixture.emulator.stats.fileContentDownloads - contents, 1);
    } finally {
      fixture.emulator.faults.zipRefusesLinkOnly = false;
    }
  });

  it('a password-protected link: from --shared-link-password or BOX_SHARED_LINK_PASSWORD, never printed', async () => {
    fixture.emulator.faults.zipRefusesLinkOnly = true;
    try {
      const viaFlag = await pullLink('https://app.box.com/s/locked9', ['--shared-link-password', PASSWORD]);
      assert.equal(viaFlag.code, 0, viaFlag.stderr);
      assert.deepEqual(await diffTrees(path.join(fixture.root, 'Locked'), viaFlag.dest), []);
      const viaEnv = await pullLink('https://app.box.com/s/locked9', [], {
        BOX_SHARED_LINK_PASSWORD: PASSWORD,
      });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      assert.deepEqual(await diffTrees(path.join(fixture.root, 'Locked'), viaEnv.dest), []);
      for (const run of [viaFlag, viaEnv]) {
        assert.match(run.stderr, /shared_items/, 'the debug log shows the requests');
        for (const secret of [PASSWORD, encodeURIComponent(PASSWORD)]) {
          assert.ok(!run.stderr.includes(secret) && !run.stdout.includes(secret), run.stderr);
        }
      }
    } finally {
      fixture.emulator.faults.zipRefusesLinkOnly = false;
    }
  });

  it('a missing or wrong password: one human line, exit 1, nothing written', async () => {
    for (const extra of [[], ['--shared-link-password', 'not-it&x']]) {
      const run = await pullLink('https://app.box.com/s/locked9', extra);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /box-pull: The shared link needs a password/);
      assert.ok(!run.stderr.includes('not-it&x') && !run.stderr.includes('not-it%26x'), run.stderr);
      await assert.rejects(fs.access(run.dest));
    }
  });

  it('--shared-link-password with a folder id is a usage error', async () => {
    const run = await pullLink('123', ['--shared-link-password', 'x']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /goes with a shared link/);
  });
});
