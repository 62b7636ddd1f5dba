// Every message the VS Code layer passes to `l10n.t(...)` is a key of l10n/bundle.l10n.json, the file translators
// start from: a message missing there cannot be translated. The calls are found with the TypeScript parser, so a
// message split over lines or written as a template counts too; a message that is not a literal cannot be found by
// any tool, so it is refused here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../../../..');

function sourcesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Each `….l10n.t(first, …)` or `l10n.t(first, …)` call: its first argument's text, or undefined if not a literal. */
function l10nCalls(file: string): { line: number; message: string | undefined }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const calls: { line: number; message: string | undefined }[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 't' &&
      /(^|\.)l10n$/.test(node.expression.expression.getText(source)) &&
      node.arguments.length > 0
    ) {
      const first = node.arguments[0];
      const message =
        ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first) ? first.text : undefined;
      calls.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, message });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

describe('l10n bundle', () => {
  const files = [...sourcesUnder(path.join(root, 'src/vscode')), path.join(root, 'src/extension.ts')];
  const calls = files.flatMap((file) =>
    l10nCalls(file).map((call) => ({ ...call, file: path.relative(root, file) })),
  );
  const bundle = JSON.parse(readFileSync(path.join(root, 'l10n/bundle.l10n.json'), 'utf8')) as Record<
    string,
    string
  >;

  it('finds the calls it checks', () => {
    assert.ok(
      calls.length > 100,
      `only ${calls.length} l10n.t calls found: is the parser still finding them?`,
    );
  });

  it('passes l10n.t a literal message everywhere', () => {
    const computed = calls
      .filter((call) => call.message === undefined)
      .map((call) => `${call.file}:${call.line}`);
    assert.deepEqual(computed, []);
  });

  it('has every message in l10n/bundle.l10n.json', () => {
    const missing = [
      ...new Set(
        calls.flatMap((call) =>
          call.message !== undefined && !(call.message in bundle) ? [call.message] : [],
        ),
      ),
    ];
    assert.deepEqual(missing, [], 'add these messages to l10n/bundle.l10n.json (key and English text alike)');
  });
});
