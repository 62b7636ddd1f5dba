// The emulator's fault knobs and issued tokens, seen from inside the extension host: the test host runs the
// emulator in another process and serves them over 127.0.0.1 with a bearer token (test/host/emulatorControl.ts).
import * as assert from 'node:assert/strict';
import type { EmulatorFaults, EmulatorStats } from '../../src/emulator/options';
import type { SharedLinkConfig } from '../../src/emulator/sharedLinks';
import { requireEnv } from './helpers';

async function control(method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${requireEnv('BOX_PULL_EMULATOR_CONTROL_URL')}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${requireEnv('BOX_PULL_EMULATOR_CONTROL_TOKEN')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer: unknown = await response.json();
  assert.equal(response.status, 200, `emulator control ${method} ${route}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Sets knobs for the next requests; `null` turns one off. */
export async function setFaults(faults: {
  [K in keyof EmulatorFaults]?: EmulatorFaults[K] | null;
}): Promise<void> {
  await control('POST', '/faults', faults);
}

/** The knobs as they are now: a counted fault's `remaining` shows how many hits are left. */
export async function currentFaults(): Promise<EmulatorFaults> {
  return (await control('GET', '/faults')) as EmulatorFaults;
}

/** The emulator's request counters so far (they add up over the whole run: compare a snapshot before and after). */
export async function emulatorStats(): Promise<EmulatorStats> {
  return (await control('GET', '/stats')) as EmulatorStats;
}

/** Replaces the emulator's shared links (an empty list removes them all). */
export async function setSharedLinks(links: SharedLinkConfig[]): Promise<void> {
  await control('POST', '/shared_links', links);
}

/** Moves or renames an item on "Box" keeping its ids (paths relative to the emulator's root), as Box does. */
export async function renameOnBox(from: string, to: string): Promise<void> {
  await control('POST', '/rename', { from, to });
}

export async function resetFaults(): Promise<void> {
  await control('POST', '/faults/reset');
}

/** Every OAuth access and refresh token the emulator issued so far. */
export async function issuedTokens(): Promise<string[]> {
  return ((await control('GET', '/tokens')) as { issued: string[] }).issued;
}
