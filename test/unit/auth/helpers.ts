// Shared pieces for the auth tests: a real emulator on 127.0.0.1, a "browser" that follows the authorize
// redirect with undici, and token stores that count what they are asked to do.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'undici';
import type { OAuthApp, OAuthEndpoints } from '../../../src/core/auth/oauthClient';
import type { StoredCredentials, TokenStore } from '../../../src/core/auth/tokenManager';
import { startEmulator, type EmulatorClock } from '../../../src/emulator/index';

export const EMULATOR_APP: OAuthApp = {
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
};

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export interface EmulatorFixture {
  emulator: Emulator;
  endpoints: OAuthEndpoints;
  root: string;
  close(): Promise<void>;
}

export async function startAuthEmulator(
  options: { accessTokenTtlSeconds?: number; clock?: EmulatorClock } = {},
): Promise<EmulatorFixture> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-pull-auth-'));
  await fs.writeFile(path.join(root, 'hello.txt'), 'hello');
  const emulator = await startEmulator({
    root,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    clock: options.clock,
  });
  return {
    emulator,
    root,
    endpoints: { apiBaseUrl: emulator.baseUrl, authorizeBaseUrl: emulator.baseUrl },
    async close() {
      await emulator.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Number of POST /oauth2/token requests the emulator has answered so far. */
export function tokenRequests(emulator: Emulator): number {
  return emulator.stats.byPath['POST /oauth2/token'] ?? 0;
}

export interface BrowserVisit {
  /** Status and HTML of the loopback page the browser ended on. */
  status: number;
  page: string;
  /** The redirect Box (the emulator) sent the browser to. */
  location: string;
}

/**
 * Plays the browser: GET the authorize URL without following redirects, then GET the Location it points at
 * (the loopback server). `visits` collects what it saw.
 */
export function fakeBrowser(visits: BrowserVisit[] = []): (url: string) => Promise<boolean> {
  return async (url) => {
    const authorize = await request(url, { method: 'GET' });
    await authorize.body.dump();
    assert.equal(authorize.statusCode, 302, 'the emulator should redirect the browser back');
    const location = String(authorize.headers.location);
    const callback = await request(location, { method: 'GET' });
    visits.push({ status: callback.statusCode, page: await callback.body.text(), location });
    return true;
  };
}

/** Status of GET /2.0/users/me with this token. */
export async function usersMeStatus(emulator: Emulator, token: string): Promise<number> {
  const response = await request(`${emulator.baseUrl}/2.0/users/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body.dump();
  return response.statusCode;
}

/** An in-memory store, copying on the way in and out like a real one, that counts its calls. */
export class MemoryTokenStore implements TokenStore {
  loads = 0;
  saves = 0;
  clears = 0;

  constructor(private value?: StoredCredentials) {}

  async load(): Promise<StoredCredentials | undefined> {
    this.loads++;
    return this.value && structuredClone(this.value);
  }

  async save(credentials: StoredCredentials): Promise<void> {
    this.saves++;
    this.value = structuredClone(credentials);
  }

  async clear(): Promise<void> {
    this.clears++;
    this.value = undefined;
  }

  peek(): StoredCredentials | undefined {
    return this.value;
  }
}

/** A store in one JSON file, as two processes would share it. */
export class JsonFileTokenStore implements TokenStore {
  constructor(private readonly file: string) {}

  async load(): Promise<StoredCredentials | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file, 'utf8')) as StoredCredentials;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
  }

  async save(credentials: StoredCredentials): Promise<void> {
    const temp = `${this.file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
    await fs.writeFile(temp, JSON.stringify(credentials));
    await fs.rename(temp, this.file);
  }

  async clear(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}

export { ManualClock } from '../../helpers/clock';
