// Lets the integration tests, which run inside VS Code's extension host (another process), turn the emulator's
// fault knobs and read the OAuth tokens it issued. Only the test host starts it: bound to 127.0.0.1 and guarded
// by a random bearer token handed to the extension host through its environment.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultFaults, type RunningEmulator } from '../../src/emulator/index';

export interface EmulatorControl {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * `POST /faults` merges a JSON object into `emulator.faults` (a `null` value removes that knob);
 * `POST /faults/reset` restores the defaults; `GET /faults` reads them (counted ones count down as they fire);
 * `GET /stats` reads the request counters (cumulative: compare before and after); `POST /shared_links` replaces
 * `emulator.sharedLinks`; `GET /tokens` lists the OAuth tokens issued so far; `POST /rename` `{from, to}` moves an
 * item on "Box" keeping its ids and those below it (`renameKeepingIds`), as Box does.
 */
export async function startEmulatorControl(emulator: RunningEmulator): Promise<EmulatorControl> {
  const token = randomBytes(24).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const authorised = (header: string | undefined): boolean => {
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const server = http.createServer((request, response) => {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!authorised(request.headers.authorization)) return reply(401, { error: 'unauthorised' });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const route = `${request.method} ${request.url}`;
        if (route === 'POST /rename') {
          const { from, to } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            from: string;
            to: string;
          };
          emulator.renameKeepingIds(from, to).then(
            () => reply(200, { from, to }),
            (error: unknown) => reply(400, { error: String(error) }),
          );
          return;
        }
        if (route === 'GET /tokens') return reply(200, { issued: emulator.issuedTokens() });
        if (route === 'GET /faults') return reply(200, emulator.faults);
        if (route === 'GET /stats') return reply(200, emulator.stats);
        if (route === 'POST /faults/reset') {
          for (const key of Object.keys(emulator.faults)) delete (emulator.faults as never)[key];
          Object.assign(emulator.faults, defaultFaults());
          return reply(200, emulator.faults);
        }
        if (route === 'POST /shared_links') {
          const links = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunningEmulator['sharedLinks'];
          emulator.sharedLinks.splice(0, emulator.sharedLinks.length, ...links);
          return reply(200, emulator.sharedLinks);
        }
        if (route === 'POST /faults') {
          const patch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          const faults = emulator.faults as unknown as Record<string, unknown>;
          for (const [key, value] of Object.entries(patch)) {
            if (value === null) delete faults[key];
            else faults[key] = value;
          }
          return reply(200, emulator.faults);
        }
        reply(404, { error: `no route ${route}` });
      } catch (error) {
        reply(400, { error: String(error) });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
