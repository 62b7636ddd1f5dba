// Shared links in the core: every form a user pastes is parsed in one place (ids.ts), and a client bound to the
// link resolves it with `GET /shared_items` against the emulator, password or not.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoxClient } from '../../../src/core/box/client';
import { parseBoxReference, parseSharedLink } from '../../../src/core/box/ids';
import { isSharedLinkPasswordError, resolveSharedLink } from '../../../src/core/box/sharedLink';
import { describeFailure } from '../../../src/core/failureText';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index';

describe('shared links: parsing', () => {
  const accepted: [string, string][] = [
    ['https://app.box.com/s/abc123', 'https://app.box.com/s/abc123'],
    ['https://app.box.com/s/abc123/?x=1#top', 'https://app.box.com/s/abc123'],
    ['  https://Acme.App.Box.com/s/Q9z  ', 'https://acme.app.box.com/s/Q9z'],
    ['https://acme.app.box.com/v/team-docs', 'https://acme.app.box.com/v/team-docs'],
    ['https://app.box.com/v/my_url.v2', 'https://app.box.com/v/my_url.v2'],
    ['box.com/s/abc123', 'https://box.com/s/abc123'],
    ['https://www.box.com/s/vspke7y05sb214wjokpk', 'https://www.box.com/s/vspke7y05sb214wjokpk'],
  ];
  for (const [input, url] of accepted) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseSharedLink(input), { type: 'shared_link', url });
      assert.deepEqual(parseBoxReference(input), { type: 'shared_link', url });
    });
  }
  for (const input of [
    'https://evil.com/s/abc',
    'https://app.box.com.evil.com/s/abc',
    'https://app.box.com/s/',
    'https://app.box.com/s/a/b',
    'https://user:pw@app.box.com/s/abc',
    'ftp://app.box.com/s/abc',
    'https://app.box.com/folder/123',
  ]) {
    it(`rejects ${JSON.stringify(input)} as a shared link`, () => {
      assert.equal(parseSharedLink(input), undefined);
    });
  }
  it('folder URLs and ids still name items', () => {
    assert.deepEqual(parseBoxReference('https://app.box.com/folder/123'), { type: 'folder', id: '123' });
    assert.deepEqual(parseBoxReference('42'), { type: 'folder', id: '42' });
  });
});

describe('shared links: resolving against the emulator', function () {
  this.timeout(60_000);
  let root: string;
  let emulator: RunningEmulator;
  let client: BoxClient;
  const lines: string[] = [];

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-links-'));
    await fs.mkdir(path.join(root, 'Shared'), { recursive: true });
    await fs.writeFile(path.join(root, 'Shared', 'a.txt'), 'alpha');
    await fs.writeFile(path.join(root, 'report.pdf'), 'pdf');
    emulator = await startEmulator({
      root,
      sharedLinks: [
        { path: 'Shared', hash: 'abc123', vanityName: 'team-docs', password: 'open sesame&1' },
        { path: 'report.pdf', hash: 'file987' },
      ],
    });
    const log = (line: string) => lines.push(line);
    client = new BoxClient({
      baseUrl: emulator.baseUrl,
      tokenProvider: { getAccessToken: async () => emulator.token },
      logger: { trace: log, debug: log, info: log, warn: log, error: log },
    });
  });
  after(async () => {
    await emulator.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('resolves the /s/, /v/ and subdomain forms with the right password, and lists through the link', async () => {
    for (const url of [
      'https://app.box.com/s/abc123',
      'https://app.box.com/v/team-docs',
      'https://acme.app.box.com/s/abc123',
    ]) {
      const shared = await resolveSharedLink(client, { url, password: 'open sesame&1' });
      assert.deepEqual(
        { type: shared.type, id: shared.id, name: shared.name },
        { type: 'folder', id: emulator.idForPath('Shared'), name: 'Shared' },
      );
      const names: string[] = [];
      for await (const item of shared.client.iterateFolderItems(shared.id)) names.push(item.name);
      assert.deepEqual(names, ['a.txt']);
    }
    const file = await resolveSharedLink(client, { url: 'https://app.box.com/s/file987' });
    assert.deepEqual([file.type, file.name, file.size], ['file', 'report.pdf', 3]);
  });

  it('a missing or wrong password: Box 403 incorrect_shared_item_password, told in words, password never logged', async () => {
    for (const password of [undefined, 'wrong guess']) {
      const error = await resolveSharedLink(client, { url: 'https://app.box.com/s/abc123', password }).then(
        () => assert.fail('resolved without the right password'),
        (e: unknown) => e,
      );
      assert.ok(isSharedLinkPasswordError(error), String(error));
      assert.match(describeFailure(error), /needs a password/);
    }
    assert.ok(
      lines.some((line) => line.includes('/shared_items')),
      'requests are logged',
    );
    for (const secret of ['open sesame&1', encodeURIComponent('open sesame&1'), 'wrong guess']) {
      assert.ok(!lines.some((line) => line.includes(secret)), `${secret} leaked: ${lines.join('\n')}`);
    }
  });
});
