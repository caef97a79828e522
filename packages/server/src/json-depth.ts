/**
 * How deep a JSON request body may nest. The deepest legitimate body (an intoto
 * 0.0.2 proposal: spec.content.envelope.signatures[].publicKey) is under 10 levels;
 * 64 leaves room for any client and stops a body like `[[[[...]]]]` long before
 * recursive code further on (structured clone to the verification workers, schema
 * validation, canonicalisation) runs out of stack and answers "Maximum call stack
 * size exceeded" (issue 10).
 */
export const MAX_JSON_DEPTH = 64;

/** A 400 the plugins' error handlers pass on as is (a 4xx `statusCode`). */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'JSON_TOO_DEEP';
  constructor(max: number) {
    super(`request body: JSON nested deeper than ${max} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * True when `value` (a parsed JSON body) nests deeper than `max` arrays/objects.
 * Iterative, so it cannot itself overflow, and it stops at the first path too deep;
 * the cost is one visit per container, not per byte.
 */
export function jsonDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
