// Transport-level behaviour: timeouts, aborts, malformed answers, resets after a POST, and proxies. Most cases here
// need a server misbehaving in ways the Box emulator deliberately does not (never answering, answering garbage,
// dropping the connection after reading a POST), so a tiny purpose-built node:http server stands in for those
// cases only. The proxy tests go through a small loopback CONNECT proxy to the real emulator.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoxClient } from '../../../src/core/box/client';
import { createDispatcher } from '../../../src/core/box/dispatcher';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index';
import { makeTree } from '../../helpers/tree';
import { closeServer, recordingSleep, staticTokens } from './support';
import { BoxApiError, BoxNetworkError } from '../../../src/core/errors';

interface Misbehaving {
  baseUrl: string;
  hits: Record<string, number>;
  close(): Promise<void>;
}

/** Only for what the emulator cannot do: stall before headers, send broken bodies, drop a connection. */
async function startMisbehavingServer(): Promise<Misbehaving> {
  const hits: Record<string, number> = {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    hits[key] = (hits[key] ?? 0) + 1;
    switch (key) {
      case 'GET /2.0/users/me':
        return; // never answers
      case 'GET /2.0/folders/1':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"type":"folder", "id": ');
      case 'GET /2.0/folders/2':
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html><body>Bad Gateway</body></html>');
      case 'GET /2.0/folders/3':
        res.writeHead(503, { 'content-length': '0' });
        return res.end();
      case 'POST /2.0/zip_downloads':
        req.resume();
        req.on('end', () => req.socket.destroy());
        return;
      default:
        res.writeHead(404, { 'content-length': '0' });
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => closeServer(server),
  };
}

interface LoopbackProxy {
  url: string;
  /** `host:port` of every CONNECT tunnel opened. */
  tunnels: string[];
  close(): Promise<void>;
}

/** A minimal HTTP CONNECT proxy on 127.0.0.1 (undici tunnels every proxied request through CONNECT). */
async function startLoopbackProxy(): Promise<LoopbackProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(405, { 'content-length': '0' });
    res.end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

describe('BoxClient transport', function () {
  this.timeout(30_000);
  let stub: Misbehaving;

  before(async () => {
    stub = await startMisbehavingServer();
  });
  after(async () => {
    await stub?.close();
  });

  function stubClient(options: Partial<ConstructorParameters<typeof BoxClient>[0]> = {}): BoxClient {
    return new BoxClient({
      baseUrl: stub.baseUrl,
      tokenProvider: staticTokens('token-for-the-stub'),
      retry: { random: () => 0.5 },
      ...options,
    });
  }

  it('an abort while waiting for the answer rejects at once with an AbortError', async () => {
    const controller = new AbortController();
    const before = stub.hits['GET /2.0/users/me'] ?? 0;
    const pending = stubClient().getCurrentUser({ signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(pending, { name: 'AbortError' });
    assert.equal(stub.hits['GET /2.0/users/me'] - before, 1);
  });

  it('a server that never answers trips the idle timeout, retried as a network timeout', async () => {
    const { sleeps, sleep } = recordingSleep();
    const before = stub.hits['GET /2.0/users/me'] ?? 0;
    const client = stubClient({ idleTimeoutMs: 150, sleep, retry: { maxAttempts: 2, random: () => 0.5 } });
    await assert.rejects(client.getCurrentUser(), (err: unknown) => {
      assert.ok(err instanceof BoxNetworkError);
      assert.equal(err.code, 'timeout');
      assert.equal(err.errorCode, 'UND_ERR_HEADERS_TIMEOUT');
      assert.match(err.message, /gave up after 2 attempts/);
      return true;
    });
    assert.equal(stub.hits['GET /2.0/users/me'] - before, 2);
    assert.deepEqual(sleeps, [500]);
  });

  it('a 200 with a broken JSON body is a BoxApiError, not retried', async () => {
    const { sleeps, sleep } = recordingSleep();
    await assert.rejects(stubClient({ sleep }).getFolder('1'), {
      name: 'BoxApiError',
      code: 'invalid_response',
    });
    assert.deepEqual(sleeps, []);
  });

  it('non-JSON and empty error bodies still give typed, retried errors', async () => {
    const { sleeps, sleep } = recordingSleep();
    const client = stubClient({ sleep, retry: { maxAttempts: 2, random: () => 0.5 } });
    await assert.rejects(client.getFolder('2'), (err: unknown) => {
      assert.ok(err instanceof BoxApiError);
      assert.equal(err.status, 502);
      assert.equal(err.code, 'http_502', 'no Box code in the body: the status names it');
      assert.equal(err.message, 'Box answered 502 for GET /2.0/folders/2 (gave up after 2 attempts)');
      return true;
    });
    await assert.rejects(client.getFolder('3'), { status: 503, code: 'http_503' });
    assert.equal(sleeps.length, 2);
  });

  it('does not retry a ZIP create whose connection dropped after the request was sent', async () => {
    const { sleeps, sleep } = recordingSleep();
    const before = stub.hits['POST /2.0/zip_downloads'] ?? 0;
    await assert.rejects(
      stubClient({ sleep }).createZipDownload({ items: [{ type: 'folder', id: '5' }] }),
      (err: unknown) => {
        assert.ok(err instanceof BoxNetworkError);
        assert.equal(err.requestSent, true);
        return true;
      },
    );
    assert.equal(stub.hits['POST /2.0/zip_downloads'] - before, 1);
    assert.deepEqual(sleeps, []);
  });

  it('retries a ZIP create whose connection was refused (nothing was sent)', async () => {
    const { sleeps, sleep } = recordingSleep();
    const client = new BoxClient({
      baseUrl: 'http://127.0.0.1:1',
      tokenProvider: staticTokens('t0ken'),
      sleep,
      retry: { random: () => 0.5 },
    });
    await assert.rejects(client.createZipDownload({ items: [{ type: 'folder', id: '5' }] }), {
      name: 'BoxNetworkError',
      code: 'refused',
    });
    assert.deepEqual(sleeps, [500, 1000, 2000, 4000]);
  });
});

describe('createDispatcher and proxies (loopback CONNECT proxy)', function () {
  this.timeout(30_000);
  let root: string;
  let emulator: RunningEmulator;
  let proxy: LoopbackProxy;
  const savedEnv = { ...process.env };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'box-proxy-test-'));
    await makeTree(root, { seed: 3, files: 3, maxDepth: 0, minSize: 1, maxSize: 10 });
    emulator = await startEmulator({ root });
    proxy = await startLoopbackProxy();
  });
  after(async () => {
    await proxy?.close();
    await emulator?.close();
    await fs.rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  async function userVia(dispatcher: ReturnType<typeof createDispatcher>): Promise<string> {
    try {
      const client = new BoxClient({
        baseUrl: emulator.baseUrl,
        tokenProvider: staticTokens(emulator.token),
        dispatcher,
      });
      return (await client.getCurrentUser()).id;
    } finally {
      await dispatcher.close();
    }
  }

  const emulatorHost = () => new URL(emulator.baseUrl).host;

  it('sends requests through an explicit proxy', async () => {
    const before = proxy.tunnels.length;
    assert.ok(await userVia(createDispatcher({ proxyUrl: proxy.url })));
    assert.deepEqual(proxy.tunnels.slice(before), [emulatorHost()]);
  });

  it('accepts a proxy without a scheme, as users type it', async () => {
    const before = proxy.tunnels.length;
    assert.ok(await userVia(createDispatcher({ proxyUrl: proxy.url.replace('http://', '') })));
    assert.equal(proxy.tunnels.length - before, 1);
  });

  it('bypasses the proxy for hosts in noProxy', async () => {
    const before = proxy.tunnels.length;
    assert.ok(
      await userVia(createDispatcher({ proxyUrl: proxy.url, noProxy: ['example.com', '127.0.0.1'] })),
    );
    assert.equal(proxy.tunnels.length, before);
  });

  it('honours HTTP_PROXY and NO_PROXY from the environment when no proxy is given', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const before = proxy.tunnels.length;
    assert.ok(await userVia(createDispatcher({})));
    assert.equal(proxy.tunnels.length - before, 1);
    process.env.NO_PROXY = '127.0.0.1';
    assert.ok(await userVia(createDispatcher({})));
    assert.equal(proxy.tunnels.length - before, 1);
  });

  it('without any proxy it connects directly', async () => {
    const before = proxy.tunnels.length;
    assert.ok(await userVia(createDispatcher({ connectTimeoutMs: 5000, idleTimeoutMs: 5000 })));
    assert.equal(proxy.tunnels.length, before);
  });
});
