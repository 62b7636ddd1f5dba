// The integration driver fails a run only when no test result has arrived for a while (test/host/driver.ts), so it
// must recognise every result line mocha's spec reporter really prints, coloured or not, and nothing else.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isTestResultLine } from '../../host/driver';

const MOCHA = require.resolve('mocha/bin/mocha.js');

const SPEC = `
suite('a suite title', () => {
  test('passes', () => {});
  test('fails', () => { throw new Error('expected failure'); });
  test.skip('is pending', () => {});
  suite('a nested suite', () => { test('passes too', () => {}); });
});
`;

async function specReport(color: boolean): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-spec-'));
  try {
    const file = path.join(dir, 'sample.test.js');
    await fs.writeFile(file, SPEC);
    const stdout = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [MOCHA, '--ui', 'tdd', '--reporter', 'spec', color ? '--color' : '--no-color', '--no-config', file],
        (_error, out) => resolve(out), // one test fails on purpose, so mocha exits 1
      );
    });
    return stdout.split('\n');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('integration driver: test result lines', () => {
  for (const color of [false, true]) {
    it(`recognises each result and the summary of mocha's spec reporter${color ? ', coloured' : ''}`, async () => {
      const lines = await specReport(color);
      const results = lines.filter(isTestResultLine);
      // 4 results (2 passed, 1 failed, 1 pending), the summary's 3 counts, and the failure's heading below it.
      const text = results.join('\n');
      for (const expected of [
        'passes',
        'fails',
        'is pending',
        'passes too',
        '2 passing',
        '1 failing',
        '1 pending',
      ])
        assert.ok(text.includes(expected), `"${expected}" not recognised in:\n${text}`);
      const others = lines.filter((line) => !isTestResultLine(line)).join('\n');
      assert.ok(
        others.includes('a suite title') && others.includes('a nested suite'),
        'suite titles are not results',
      );
    });
  }

  it('takes no workbench noise for a result', () => {
    for (const noise of [
      "[02:51:54] [File Watcher ('parcel')]  >> normalized [ADDED] /tmp/x/a.txt",
      'CommandService#executeCommand _setContext',
      '[mainThreadSecretState] Password set for:  box-pull.box-pull boxPull.sessions',
      'Time limit reached when tokenizing line: # Notes',
      '',
    ])
      assert.equal(isTestResultLine(noise), false, noise);
  });
});
