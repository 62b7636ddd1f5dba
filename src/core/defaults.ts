/**
 * `defaults`, overridden by the options actually given. A key present but `undefined` (an optional field passed
 * through) keeps the default, where a plain spread would overwrite it with `undefined`.
 */
export function withDefaults<T extends object>(defaults: Readonly<T>, given: Partial<T> = {}): T {
  const set = Object.entries(given).filter(([, value]) => value !== undefined);
  return { ...defaults, ...(Object.fromEntries(set) as Partial<T>) };
}
