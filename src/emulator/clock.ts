// The emulator's sense of time for lifetimes (tokens, codes, ZIP and file links) and for the `entryDelayMs` wait.
// Tests pass a clock they move by hand, so expiry needs no real waiting and a delayed entry opens only when they
// say. The bytes-per-second cap (pump.ts) stays on real time: it simulates a real network speed.
import { setTimeout as wait } from 'node:timers/promises';

export interface EmulatorClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: EmulatorClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => wait(ms, undefined, { signal }),
};
