// The network and archive code (undici, yauzl and everything on top) loads on first use, not at activation: the
// bundle keeps these modules behind lazy initialisers, so activating the extension costs almost nothing.
// Everything that needs a value (not just a type) from these modules gets it through loadHeavy().
export type HeavyModules = typeof import('./heavyModules');

let loading: Promise<HeavyModules> | undefined;

export function loadHeavy(): Promise<HeavyModules> {
  loading ??= import('./heavyModules');
  return loading;
}
