// Builds the undici dispatcher every Box request goes through: keep-alive connections, connect and idle timeouts,
// and proxy support. The npm undici bundled into the extension is not covered by VS Code's patching of Node's
// networking, so proxies are configured here explicitly: from the caller (VS Code's http.proxy, http.noProxy,
// http.proxyStrictSSL) or else from the HTTPS_PROXY / HTTP_PROXY / NO_PROXY environment variables.
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** How long an unused keep-alive connection stays open. Box's front ends close idle ones after about a minute. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface DispatcherOptions {
  /** `http://host:port` or `http://user:pass@host:port`; empty or undefined → the environment variables. */
  proxyUrl?: string;
  /** Hosts that bypass the proxy: comma- or space-separated (like NO_PROXY), or a list. */
  noProxy?: string | readonly string[];
  /** Verify TLS certificates of Box and of the proxy (default true). */
  strictSSL?: boolean;
  connectTimeoutMs?: number;
  /** Longest silence while waiting for response headers or between body chunks. */
  idleTimeoutMs?: number;
}

export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const tls = { timeout: connectTimeoutMs, rejectUnauthorized: options.strictSSL !== false };
  const agentOptions: Agent.Options = {
    connect: tls,
    headersTimeout: idleTimeoutMs,
    bodyTimeout: idleTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  };
  const proxyUrl = normaliseProxyUrl(options.proxyUrl);
  if (!proxyUrl && !environmentProxy()) {
    return new Agent(agentOptions);
  }
  // EnvHttpProxyAgent picks the proxy per request and applies NO_PROXY; explicit values override the environment.
  // ProxyAgent replaces `connect` with its tunnel, so the TLS options and connect timeout go to both legs too.
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy: proxyUrl,
    httpsProxy: proxyUrl,
    noProxy: Array.isArray(options.noProxy)
      ? options.noProxy.join(',')
      : (options.noProxy as string | undefined),
    requestTls: tls,
    proxyTls: tls,
  });
}

const sharedDispatchers = new Map<string, Dispatcher>();

/**
 * One keep-alive dispatcher per timeout pair for the whole process, so clients created per operation still reuse
 * connections. Idle sockets are unref'd by undici and do not keep the process alive.
 */
export function sharedDispatcher(connectTimeoutMs: number, idleTimeoutMs: number): Dispatcher {
  const key = `${connectTimeoutMs}/${idleTimeoutMs}`;
  let dispatcher = sharedDispatchers.get(key);
  if (!dispatcher) {
    dispatcher = createDispatcher({ connectTimeoutMs, idleTimeoutMs });
    sharedDispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

function normaliseProxyUrl(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) {
    return undefined;
  }
  // VS Code's http.proxy is documented with a scheme, but users often type `host:port`.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
}

function environmentProxy(): string | undefined {
  const env = process.env;
  return env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY || undefined;
}
