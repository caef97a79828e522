/**
 * A CommonJS module's exports from `await import()`: node gives them as named exports,
 * a bundle (the CLI's, scripts/bundle-cli.mjs) may give them only under `default`.
 */
export function cjsExports<T extends object>(ns: T): T {
  const d = (ns as { default?: unknown }).default;
  return (d !== null && typeof d === 'object' ? { ...(d as object), ...ns } : ns) as T;
}
