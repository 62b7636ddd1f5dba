// Activation, contributed commands and the manifest's consistency, inside a real VS Code.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/vscode/constants';
import { EXTENSION_ID, getApi } from './helpers';

interface Manifest {
  activationEvents: string[];
  l10n?: string;
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    viewsWelcome: { view: string; contents: string; when?: string }[];
    authentication: { id: string; label: string }[];
  };
}

/** package.json as written: the runtime `packageJSON` already has its %key% strings replaced. */
async function rawManifest(): Promise<Manifest> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
  return JSON.parse(
    await fs.readFile(path.join(extension.extensionPath, 'package.json'), 'utf8'),
  ) as Manifest;
}

suite('Activation', () => {
  test('activates without eager activation events and reports its own duration', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, 'extension is present');
    const api = await getApi();
    assert.equal(extension.isActive, true);
    assert.equal(typeof api.activationMs, 'number');
    // Recorded for the report; activation timing is a benchmark concern, not an assertion.
    console.log(`[activation] activate() took ${api.activationMs.toFixed(1)} ms`);
    const manifest = await rawManifest();
    assert.deepEqual(manifest.activationEvents, [], 'no "*" and no onStartupFinished');
  });

  test('signs in from BOX_PULL_DEV_TOKEN at startup', async () => {
    const api = await getApi();
    const account = api.account();
    assert.ok(account, 'a session exists');
    assert.equal(account.kind, 'developerToken');
  });

  test('registers every contributed command, and only those', async () => {
    await getApi();
    const manifest = await rawManifest();
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    // VS Code itself adds boxPull.explorer.focus and friends for the contributed view.
    const registered = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith('boxPull.') && !id.startsWith('boxPull.explorer.'))
      .sort();
    assert.deepEqual(registered, contributed);
    assert.deepEqual(
      Object.values(Commands).sort(),
      contributed,
      'src/vscode/constants.ts matches package.json',
    );
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'Box', `${command.command} has the Box category`);
      assert.match(command.title, /^%[\w.]+%$/, `${command.command} has a localised title`);
      assert.match(command.icon ?? '', /^\$\([\w-]+\)$/, `${command.command} uses a codicon`);
    }
  });

  test('menus, welcome view and manifest strings are consistent', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const manifest = await rawManifest();
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) assert.ok(commands.has(entry.command), `${menu} names ${entry.command}`);
    }
    const hidden = manifest.contributes.menus.commandPalette
      .filter((e) => e.when === 'false')
      .map((e) => e.command);
    for (const nodeOnly of ['boxPull.download', 'boxPull.loadMore', 'boxPull.openInBox', 'boxPull.copyId']) {
      assert.ok(hidden.includes(nodeOnly), `${nodeOnly} is hidden from the palette`);
    }
    const welcome = manifest.contributes.viewsWelcome.find((w) => w.view === 'boxPull.explorer');
    assert.ok(welcome);
    assert.equal(welcome.when, 'boxPull.signedIn == false');
    assert.deepEqual(manifest.contributes.authentication, [{ id: 'box', label: 'Box' }]);
    assert.equal(manifest.l10n, './l10n');

    const nls = JSON.parse(
      await fs.readFile(path.join(extension.extensionPath, 'package.nls.json'), 'utf8'),
    ) as Record<string, string>;
    const keys = [...JSON.stringify(manifest).matchAll(/"%([\w.]+)%"/g)].map((match) => match[1]);
    assert.ok(keys.length > 20, 'package.json uses %key% strings');
    for (const key of keys) assert.ok(nls[key], `package.nls.json defines ${key}`);
    const welcomeText = nls[welcome.contents.slice(1, -1)];
    assert.match(welcomeText, /\(command:boxPull\.signIn\)/);
    assert.match(welcomeText, /\(command:boxPull\.useDeveloperToken\)/);
    assert.ok(await fs.stat(path.join(extension.extensionPath, 'l10n', 'bundle.l10n.json')));
  });
});
