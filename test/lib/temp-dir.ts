import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of a tap Test these helpers need (keeps them usable from any tap version). */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh directory under the system temp dir, removed when the test ends (pass or fail). */
export function tempDir(t: Teardown, prefix = 'sigstack-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
