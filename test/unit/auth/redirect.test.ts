// The remote sign-in's decisions (core/auth/redirect.ts): which redirect a window uses, and what a pasted address
// must carry before its code is exchanged; then the whole paste flow of signIn.ts against the emulator.
import * as assert from 'node:assert/strict';
import {
  chooseRedirect,
  codeFromPastedAddress,
  isLoopbackAddress,
  pastedAddressProblem,
} from '../../../src/core/auth/redirect';
import { signInWithOAuth } from '../../../src/core/auth/signIn';
import { OAuthError } from '../../../src/core/errors';
import { request } from 'undici';
import { EMULATOR_APP, fakeBrowser, startAuthEmulator, tokenRequests, type EmulatorFixture } from './helpers';

const LOCAL = 'http://127.0.0.1:43123/callback';
const STATE = 'a'.repeat(64);

describe('auth/redirect', () => {
  describe('chooseRedirect', () => {
    it('a local window listens on its own loopback address', () => {
      assert.deepEqual(chooseRedirect({ mode: 'auto', remote: false, local: LOCAL }), {
        redirectUri: LOCAL,
        codeFrom: 'loopback',
      });
    });

    it('a remote window whose port VS Code forwards to a loopback address uses the forwarded one', () => {
      const forwarded = 'http://localhost:51234/callback';
      assert.deepEqual(chooseRedirect({ mode: 'auto', remote: true, local: LOCAL, external: forwarded }), {
        redirectUri: forwarded,
        codeFrom: 'loopback',
      });
    });

    it('a remote window whose port becomes a tunnel address (or nothing) asks for the pasted address', () => {
      for (const external of [
        'https://fuzzy-42-43123.app.github.dev/callback',
        'http://localhost:8080/proxy/43123/callback', // code-server: a path Box would not match
        undefined,
      ]) {
        assert.deepEqual(chooseRedirect({ mode: 'auto', remote: true, local: LOCAL, external }), {
          redirectUri: LOCAL,
          codeFrom: 'paste',
        });
      }
    });

    it('the setting overrides the guess either way', () => {
      const tunnel = 'https://example.test/proxy/43123/callback';
      assert.equal(chooseRedirect({ mode: 'paste', remote: false, local: LOCAL }).codeFrom, 'paste');
      const loopback = chooseRedirect({ mode: 'loopback', remote: true, local: LOCAL, external: tunnel });
      assert.deepEqual(loopback, { redirectUri: LOCAL, codeFrom: 'loopback' });
    });
  });

  it('isLoopbackAddress: plain http to 127.0.0.1, localhost or [::1] only', () => {
    for (const yes of [
      LOCAL,
      'http://localhost:1/callback',
      'http://[::1]:8080/x',
      'http://127.0.0.1/callback',
    ])
      assert.equal(isLoopbackAddress(yes), true, yes);
    for (const no of [
      'https://127.0.0.1:1/callback',
      'http://127.0.0.2/callback',
      'http://localhost.example.com/callback',
      'http://10.0.0.5:43123/callback',
      'not a url',
    ])
      assert.equal(isLoopbackAddress(no), false, no);
  });

  describe('a pasted address', () => {
    it('gives its code when its state is ours, with spaces around it', () => {
      assert.equal(codeFromPastedAddress(`  ${LOCAL}?code=abc123&state=${STATE}\n`, STATE), 'abc123');
    });

    it('is refused in one line when it is not ours, not an answer, or a refusal', () => {
      const cases: [string, string][] = [
        ['hello', 'invalid_address'],
        [LOCAL, 'invalid_address'],
        [`${LOCAL}?code=abc123&state=${'b'.repeat(64)}`, 'state_mismatch'],
        [`${LOCAL}?code=abc123`, 'state_mismatch'],
        [`${LOCAL}?state=${STATE}`, 'missing_code'],
        [`${LOCAL}?error=access_denied&error_description=The+user+denied&state=${STATE}`, 'access_denied'],
      ];
      for (const [text, code] of cases) {
        const problem = pastedAddressProblem(text, STATE);
        assert.equal(problem?.code, code, text);
        assert.doesNotMatch(problem.message, /\n/);
        assert.throws(
          () => codeFromPastedAddress(text, STATE),
          (error: unknown) => error instanceof OAuthError && error.code === code,
        );
      }
    });
  });
});

describe('auth/signIn with a pasted address, against the emulator', () => {
  let fixture: EmulatorFixture;

  beforeEach(async () => {
    fixture = await startAuthEmulator();
  });

  afterEach(async () => {
    await fixture.close();
  });

  /** A browser on another machine: it gets Box's redirect but cannot reach the loopback address it names. */
  function remoteBrowser(seen: { location: string }) {
    return async (url: string): Promise<boolean> => {
      const response = await request(url, { method: 'GET' });
      await response.body.dump();
      seen.location = String(response.headers.location);
      return true;
    };
  }

  it('exchanges the code of the pasted address; an address of another attempt is refused first', async () => {
    const seen = { location: '' };
    const refusals: (string | undefined)[] = [];
    const tokens = await signInWithOAuth({
      endpoints: fixture.endpoints,
      app: EMULATOR_APP,
      openBrowser: remoteBrowser(seen),
      chooseRedirect: async (local) => ({ redirectUri: local, codeFrom: 'paste' }),
      pasteAddress: async (isAnswer) => {
        refusals.push(isAnswer(seen.location.replace(/state=[^&]+/, `state=${STATE}`)), isAnswer('nonsense'));
        return seen.location;
      },
    });
    assert.deepEqual(refusals, [
      'That address belongs to another sign-in attempt.',
      'That is not a web address.',
    ]);
    const me = await request(`${fixture.emulator.baseUrl}/2.0/users/me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    await me.body.dump();
    assert.equal(me.statusCode, 200, 'the token works');
  });

  it('when the listener gets the code after all, the paste box is closed and that code is used', async () => {
    let authorizeUrl = '';
    let closed = false;
    const tokens = await signInWithOAuth({
      endpoints: fixture.endpoints,
      app: EMULATOR_APP,
      openBrowser: async (url) => {
        authorizeUrl = url;
        return true;
      },
      chooseRedirect: async (local) => ({ redirectUri: local, codeFrom: 'paste' }),
      pasteAddress: async (_isAnswer, signal) => {
        // While the box is open, the browser turns out to be on this machine: it follows Box's redirect home.
        await fakeBrowser()(authorizeUrl);
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        closed = true;
        return undefined;
      },
    });
    assert.ok(tokens.accessToken);
    assert.equal(closed, true, 'the paste box was told to close');
  });

  it('a closed paste box cancels the sign-in without asking Box for a token', async () => {
    await assert.rejects(
      signInWithOAuth({
        endpoints: fixture.endpoints,
        app: EMULATOR_APP,
        openBrowser: remoteBrowser({ location: '' }),
        chooseRedirect: async (local) => ({ redirectUri: local, codeFrom: 'paste' }),
        pasteAddress: async () => undefined,
      }),
      (error: unknown) => error instanceof OAuthError && error.code === 'cancelled',
    );
    assert.equal(tokenRequests(fixture.emulator), 0);
  });
});
