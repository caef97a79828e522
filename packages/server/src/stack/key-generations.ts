import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@sigstack/core';

/**
 * Key generations of a service directory (`<dataDir>/tsa`, `<dataDir>/fulcio`): the
 * first is the directory itself, as `tsa init` / `ca init` or a development start
 * made it; each rotation's is `<dir>/generations/<n>` with the same layout (its own
 * key and chain). `<dir>/active-generation` names the one the service signs with,
 * and is written only once the rotation has listed both keys (stack/rotate-keys.ts):
 * it is the commit point of a rotation. Absent, generation 0 is active.
 */
export const ACTIVE_GENERATION_FILE = 'active-generation';
export const GENERATIONS_DIR = 'generations';

export function activeGeneration(dir: string): number {
  const p = join(dir, ACTIVE_GENERATION_FILE);
  if (!existsSync(p)) return 0;
  const text = readFileSync(p, 'utf8').trim();
  if (!/^\d{1,6}$/.test(text)) throw new Error(`${p}: "${text}" is not a generation number`);
  return Number(text);
}

export function generationDir(dir: string, n: number): string {
  return n === 0 ? dir : join(dir, GENERATIONS_DIR, String(n));
}

/** The directory of the active generation (what the service opens). */
export function activeGenerationDir(dir: string): string {
  return generationDir(dir, activeGeneration(dir));
}

/** Generation numbers present under `<dir>/generations`, ascending (finished or not). */
function generations(dir: string): number[] {
  const g = join(dir, GENERATIONS_DIR);
  if (!existsSync(g)) return [];
  return readdirSync(g)
    .filter((n) => /^[1-9]\d{0,5}$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The rotation staged and not yet adopted: the newest generation after the active
 * one whose chain file is written (the last step of staging; without it the
 * directory is an unfinished attempt).
 */
export function pendingGeneration(dir: string, chainFile: string): number | undefined {
  const active = activeGeneration(dir);
  const done = generations(dir).filter((n) => n > active && existsSync(join(generationDir(dir, n), chainFile)));
  return done.length > 0 ? done[done.length - 1] : undefined;
}

/** Where the next rotation is staged: an unfinished attempt after the active generation is taken up, else a new number. */
export function nextGeneration(dir: string, chainFile: string): number {
  const active = activeGeneration(dir);
  const all = generations(dir);
  const last = all[all.length - 1];
  if (last !== undefined && last > active && !existsSync(join(generationDir(dir, last), chainFile))) return last;
  return Math.max(active, last ?? 0) + 1;
}

/** The commit point of a rotation (see above); atomic and durable. */
export function setActiveGeneration(dir: string, n: number): void {
  writeFileAtomic(join(dir, ACTIVE_GENERATION_FILE), `${n}\n`);
}
