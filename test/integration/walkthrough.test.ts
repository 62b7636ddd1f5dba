// The getting-started walkthrough as contributed: four steps (sign in, browse, download, pull updates), each with its
// media file and strings, every command link pointing at a registered command, and Box: Get Started opening it.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi } from './helpers';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { image?: Record<string, string>; altText?: string };
  completionEvents?: string[];
}

suite('Getting-started walkthrough', () => {
  test('four steps with media, localised strings and working command links', async () => {
    await getApi();
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    // packageJSON has the %key% strings already replaced by package.nls.json.
    const walkthroughs = (
      extension.packageJSON as {
        contributes: { walkthroughs?: { id: string; title: string; steps: Step[] }[] };
      }
    ).contributes.walkthroughs;
    assert.ok(walkthroughs?.length === 1, 'one walkthrough');
    const [walkthrough] = walkthroughs;
    assert.equal(walkthrough.title, 'Get Started with Box Pull');
    assert.deepEqual(
      walkthrough.steps.map((step) => step.id),
      ['signIn', 'browse', 'download', 'pullUpdates'],
    );
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const step of walkthrough.steps) {
      assert.doesNotMatch(step.title + step.description, /%[A-Za-z][\w.]*%/, `${step.id}: strings resolved`);
      // An image for each theme kind, described for screen readers.
      assert.deepEqual(Object.keys(step.media.image ?? {}).sort(), ['dark', 'hc', 'hcLight', 'light']);
      assert.ok((step.media.altText ?? '').length > 20, `${step.id} has alt text`);
      for (const image of Object.values(step.media.image!)) {
        const svg = await fs.readFile(path.join(extension.extensionPath, image), 'utf8');
        assert.match(svg, /^<svg [^>]*role="img"/, `${step.id}: ${image} is an SVG`);
      }
      assert.ok(step.completionEvents?.length, `${step.id} can be completed`);
      const links = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((match) => match[1]);
      assert.ok(links.length > 0, `${step.id} offers a button`);
      for (const command of links)
        assert.ok(commands.has(command), `${step.id} links ${command}, which exists`);
    }
  });

  test('Box: Get Started opens it', async () => {
    await vscode.commands.executeCommand('boxPull.openWalkthrough');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.match(tab?.label ?? '', /Welcome|Walkthrough|Get Started/i, `the active tab is ${tab?.label}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
