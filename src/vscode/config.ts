// Reads the extension's settings (contributes.configuration "Box Pull") and VS Code's proxy settings.
// BOX_PULL_API_URL, when set in the extension host's environment, points both the API and the sign-in pages at one
// server: that is how `npm start` and the integration tests aim the extension at the local emulator. Only outside
// Production mode (see honouredEnvironment): an installed extension ignores it.
import * as vscode from 'vscode';
import type { ConflictPolicy } from '../core/place/conflictPolicy';
import type { PullOptions } from '../core/pull/pull';

export type DestinationLayout = 'subfolder' | 'direct';

export interface BoxPullSettings {
  /** API origin without `/2.0`, no trailing slash. */
  apiBaseUrl: string;
  /** Origin of the browser sign-in pages, no trailing slash. */
  authBaseUrl: string;
  oauthClientId: string;
  conflictPolicy: ConflictPolicy;
  destinationLayout: DestinationLayout;
}

export interface ProxySettings {
  proxyUrl?: string;
  noProxy?: string[];
  strictSSL: boolean;
}

const SECTION = 'boxPull';
const DEFAULT_API = 'https://api.box.com';
const DEFAULT_AUTH = 'https://account.box.com';
const POLICIES: readonly ConflictPolicy[] = ['ask', 'overwrite', 'skip'];

/** The `BOX_PULL_*` variables the extension may read. */
export type BoxPullEnvironment = Partial<Record<'BOX_PULL_API_URL' | 'BOX_PULL_DEV_TOKEN', string>>;

/**
 * The environment the extension honours: the process's in development and test hosts (`npm start`, the integration
 * tests), none in Production mode. An installed extension must not let a variable set by whatever launched VS Code
 * point a user's session at another server or sign them in with a token of its choosing.
 */
export function honouredEnvironment(mode: vscode.ExtensionMode, env = process.env): BoxPullEnvironment {
  // The live object, not a copy: the integration tests move BOX_PULL_API_URL while the extension runs.
  return mode === vscode.ExtensionMode.Production ? {} : (env as BoxPullEnvironment);
}

/**
 * `scope` is the destination folder: conflict policy and layout may differ per workspace folder. `environment` is
 * what honouredEnvironment gave (none by default).
 */
export function readSettings(scope?: vscode.Uri, environment: BoxPullEnvironment = {}): BoxPullSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const override = environment.BOX_PULL_API_URL?.trim();
  const policy = config.get<string>('conflictPolicy', 'ask');
  return {
    apiBaseUrl: normaliseOrigin(override || config.get<string>('apiBaseUrl', DEFAULT_API), DEFAULT_API),
    authBaseUrl: normaliseOrigin(override || config.get<string>('authBaseUrl', DEFAULT_AUTH), DEFAULT_AUTH),
    oauthClientId: config.get<string>('oauthClientId', '').trim(),
    conflictPolicy: (POLICIES as readonly string[]).includes(policy) ? (policy as ConflictPolicy) : 'ask',
    destinationLayout: config.get<string>('destinationLayout') === 'direct' ? 'direct' : 'subfolder',
  };
}

/** Box allows 5 ZIP downloads at once per user; 3 leaves room for the user's browser. */
const STREAMS = { min: 1, max: 5, fallback: 3 };

/**
 * `boxPull.include`, `boxPull.exclude` and `boxPull.streams` for a pull into `scope`. Globs are handed to the core
 * as written (picomatch, relative to the pulled folder); blank or non-string entries, which settings.json allows,
 * are dropped rather than matching nothing or everything.
 */
export function readPullOptions(scope?: vscode.Uri): PullOptions {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const streams = Math.trunc(Number(config.get<number>('streams', STREAMS.fallback)));
  return {
    include: globs(config.get<unknown>('include')),
    exclude: globs(config.get<unknown>('exclude')),
    streams: Number.isFinite(streams)
      ? Math.min(STREAMS.max, Math.max(STREAMS.min, streams))
      : STREAMS.fallback,
  };
}

function globs(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((glob): glob is string => typeof glob === 'string' && glob.trim() !== '')
    .map((g) => g.trim());
}

export function readProxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  const proxyUrl = http.get<string>('proxy', '').trim();
  const noProxy = http.get<string[]>('noProxy', []).filter((host) => typeof host === 'string' && host.trim());
  return {
    proxyUrl: proxyUrl || undefined,
    noProxy: noProxy.length > 0 ? noProxy : undefined,
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
  };
}

export async function saveOAuthClientId(clientId: string): Promise<void> {
  await vscode.workspace
    .getConfiguration(SECTION)
    .update('oauthClientId', clientId, vscode.ConfigurationTarget.Global);
}

/** True when a change touches settings that decide which server the client talks to, or how. */
export function affectsConnection(event: vscode.ConfigurationChangeEvent): boolean {
  return (
    event.affectsConfiguration(`${SECTION}.apiBaseUrl`) ||
    event.affectsConfiguration(`${SECTION}.authBaseUrl`) ||
    event.affectsConfiguration('http.proxy') ||
    event.affectsConfiguration('http.noProxy') ||
    event.affectsConfiguration('http.proxyStrictSSL')
  );
}

/** `https://api.box.com/2.0/` → `https://api.box.com`: people paste the versioned URL from Box's docs. */
function normaliseOrigin(value: string, fallback: string): string {
  const text = value
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/2\.0$/, '');
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? text : fallback;
  } catch {
    return fallback;
  }
}
