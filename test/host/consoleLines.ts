// Turns browser console messages of the workbench into plain lines, and recognises the harmless noise of an
// offline machine so the test output stays readable.
import { format } from 'node:util';

/**
 * Extension-host lines reach the page as `['%c LEVEL', css, format, ...args]` (pitfall 12): drop the styled prefix
 * and apply the format, or mocha's `%s` placeholders would print literally.
 */
export function formatConsoleArgs(values: unknown[]): string {
  const [first, , ...rest] = values;
  if (typeof first === 'string' && first.startsWith('%c') && values.length >= 3) {
    const level = first.slice(2).trim();
    const body = format(...rest);
    return /^(ERR|ERROR)\b/.test(level) ? `[${level}] ${body}` : body;
  }
  return format(...values);
}

/** The browser's text of a styled line reads `%c INFO color: #33f message`; keep the message. */
export function stripStylePrefix(text: string): string {
  return text.replace(/^%c\s*(\w+)\s+color:\s*#\w+\s?/, (_, level: string) =>
    /^ERR/.test(level) ? `[${level}] ` : '',
  );
}

// Offline-machine noise (pitfall 8): gallery, telemetry and auth endpoints that cannot be reached, 404s of optional
// resources. Never fail a run on these.
const NOISE = [
  /ENOTFOUND/,
  /ERR_NAME_NOT_RESOLVED/,
  /ERR_INTERNET_DISCONNECTED/,
  /open-vsx\.org/,
  /events\.data\.microsoft\.com/,
  /api\.github\.com/,
  /Failed to load resource/,
  /status of 404/,
  /marketplace|gallery/i,
];

// The workbench's own start-up chatter shares the console with the extension host; none of it is about the tests.
const WORKBENCH_CHATTER = [
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket \(renderer-/,
  /^\[reconnection-grace-time\]/,
  /^The web worker extension host is started/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^An iframe which has both allow-scripts and allow-same-origin/,
  /^\[(AgentHost|AccountPolicyGate)\b/,
  /^Creation of workbench contribution/,
  /authentication provider 'github'/,
  /^\s+at .*\(?https?:\/\/127\.0\.0\.1:\d+\/stable-/, // stack frames inside the workbench bundle
  /^\[ERR\] Canceled: Canceled$/, // pending workbench requests cancelled as the test run shuts down
  /^\s+at Array\.forEach \(<anonymous>\)$/,
  /^\s*$/,
];

/** True for lines that say nothing about the extension or its tests: offline noise and workbench chatter. */
export function isOfflineNoise(line: string): boolean {
  return (
    NOISE.some((pattern) => pattern.test(line)) || WORKBENCH_CHATTER.some((pattern) => pattern.test(line))
  );
}
