// A rename on Box keeps the ids of the folder and everything below it (the update bench's "rename a folder" row
// and the update's "moved on Box" rows rely on it); a rename on disk alone would give them new ids.
import assert from 'node:assert/strict';
import { startFixture, writeTree, type Fixture } from './support';

type Entries = { entries: { id: string; name: string; type: string }[] };

describe('emulator: renameKeepingIds', () => {
  let fx: Fixture;

  beforeEach(async () => {
    fx = await startFixture(await writeTree({ 'Top/Old/a.txt': 'alpha', 'Top/Old/Sub/b.txt': 'bravo' }));
  });
  afterEach(() => fx.close());

  it('lists the renamed folder and its files under their new names with their old ids', async () => {
    const { emulator } = fx;
    const folderId = emulator.idForPath('Top/Old');
    const subId = emulator.idForPath('Top/Old/Sub');
    const fileId = emulator.idForPath('Top/Old/Sub/b.txt');
    await fx.getJson(`/2.0/folders/${emulator.idForPath('Top')}/items`);

    await emulator.renameKeepingIds('Top/Old', 'Top/New');

    const top = await fx.getJson<Entries>(`/2.0/folders/${emulator.idForPath('Top')}/items`);
    assert.deepEqual(
      top.entries.map((e) => [e.name, e.id]),
      [['New', folderId]],
    );
    const sub = await fx.getJson<Entries>(`/2.0/folders/${subId}/items?fields=name,sha1`);
    assert.deepEqual(
      sub.entries.map((e) => [e.name, e.id]),
      [['b.txt', fileId]],
    );
    const file = await fx.getJson<{ path_collection: { entries: { name: string }[] } }>(
      `/2.0/files/${fileId}?fields=path_collection`,
    );
    assert.deepEqual(
      file.path_collection.entries.map((e) => e.name),
      ['All Files', 'Top', 'New', 'Sub'],
    );
    assert.equal(emulator.idForPath('Top/New/Sub/b.txt'), fileId);
  });

  it('keeps the first ids through a second rename, and serves the bytes at the new path', async () => {
    const { emulator } = fx;
    const fileId = emulator.idForPath('Top/Old/a.txt');
    await emulator.renameKeepingIds('Top/Old', 'Top/Mid');
    await emulator.renameKeepingIds('Top/Mid', 'Renamed');
    assert.equal(emulator.idForPath('Renamed/a.txt'), fileId);
    const content = await fx.get(`/2.0/files/${fileId}/content`);
    assert.equal(content.status, 302);
    const bytes = await fetch(content.headers.get('location')!);
    assert.equal(await bytes.text(), 'alpha');
  });
});
