// Download failures that another ZIP cannot fix: Box's answer would be the same the next time, so the pull fails at
// once, in one line, instead of building three ZIPs. The emulator serves the hostile variants: a `file:` download
// URL, an `https:` one on its plain-http port, and an archive sent with `Content-Encoding: gzip`.
import assert from 'node:assert/strict';
import { PullError } from '../../../src/core/errors';
import { pull } from '../../../src/core/pull/pull';
import {
  assertUnchanged,
  countRequests,
  listing,
  makeClient,
  pullRequest,
  resetFaults,
  startFixture,
  type Fixture,
} from './support';
import type { EmulatorFaults } from '../../../src/emulator';

describe('download failures another ZIP cannot fix', function () {
  let fixture: Fixture;

  before(async function () {
    fixture = await startFixture({ seed: 43 });
  });

  afterEach(() => resetFaults(fixture));

  after(async function () {
    await fixture?.close();
  });

  async function failsAtOnce(faults: Partial<EmulatorFaults>): Promise<PullError> {
    Object.assign(fixture.emulator.faults, faults);
    const destination = fixture.freshDestination();
    const before = await listing(destination);
    const failure = await pull(pullRequest(fixture, makeClient(fixture), destination)).then(
      () => assert.fail('the pull must fail'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof PullError, String(failure));
    assert.doesNotMatch(failure.message, /\n/, 'one line');
    assert.equal(countRequests(fixture, 'POST /2.0/zip_downloads'), 1, 'no fresh ZIP');
    await assertUnchanged(destination, before, JSON.stringify(faults));
    fixture.requestLog.length = 0;
    return failure;
  }

  it('a file: download URL', async function () {
    const failure = await failsAtOnce({ downloadUrlScheme: 'file' });
    assert.equal(failure.code, 'download_unusable');
    assert.match(failure.message, /download (URL|link) .*file:/i);
  });

  it('an https: download URL on a plain-http server: one line, no OpenSSL dump', async function () {
    const failure = await failsAtOnce({ downloadUrlScheme: 'https' });
    assert.match(failure.message, /TLS/);
    assert.doesNotMatch(failure.message, /SSL routines|openssl|\.c:\d+/i);
  });

  it('an archive sent gzip-encoded', async function () {
    const failure = await failsAtOnce({ gzipDownloads: true });
    assert.equal(failure.code, 'download_unusable');
    assert.match(failure.message, /gzip/);
  });
});
