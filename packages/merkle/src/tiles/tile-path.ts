import { LogError } from '../errors.js';
import { TILE_WIDTH } from './hash-tile.js';

/**
 * C2SP tlog-tiles paths: `tile/<L>/<N>[.p/<W>]` for hash tiles and
 * `tile/entries/<N>[.p/<W>]` for entry bundles. N is written in 3-digit groups, every
 * group but the last prefixed with `x` (1234067 → `x001/x234/067`), so that no
 * directory holds more than 1000 entries.
 */

/** Highest tile level a path may name (C2SP allows 0–63). */
export const MAX_TILE_LEVEL = 63;

export type TileCoordinates =
  | { kind: 'hash'; level: number; index: number; width?: number }
  | { kind: 'entries'; index: number; width?: number };

/** `tile/<level>/<N>[.p/<width>]`. */
export function tilePath(level: number, index: number, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) throw new LogError('INVALID_RANGE', `bad tile level ${level}`);
  return `tile/${level}/${encodeTileIndex(index)}${partialSuffix(width)}`;
}

/** `tile/entries/<N>[.p/<width>]`. */
export function entriesPath(index: number, width?: number): string {
  return `tile/entries/${encodeTileIndex(index)}${partialSuffix(width)}`;
}

/** The `x001/x234/067` form of a tile index. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new LogError('INVALID_RANGE', `bad tile index ${index}`);
  let s = String(index % 1000).padStart(3, '0');
  for (let n = Math.floor(index / 1000); n > 0; n = Math.floor(n / 1000)) s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
  return s;
}

/**
 * Parses a tile or entry-bundle path (without any URL prefix). Strict: it accepts only
 * the canonical encoding, so every tile has exactly one path. Throws NOT_FOUND.
 */
export function parseTilePath(path: string): TileCoordinates {
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
  if (!m) throw new LogError('NOT_FOUND', `not a tile path: ${path}`);
  const groups = [...m[2]!.split('/').filter((g) => g !== '').map((g) => g.slice(1)), m[3]!];
  if (groups.length > 1 && groups[0] === '000') throw new LogError('NOT_FOUND', `non-canonical tile index in ${path}`);
  let index = 0;
  for (const g of groups) index = index * 1000 + Number(g);
  if (!Number.isSafeInteger(index)) throw new LogError('NOT_FOUND', `tile index out of range in ${path}`);
  let width: number | undefined;
  if (m[4] !== undefined) {
    width = Number(m[4]);
    if (width >= TILE_WIDTH) throw new LogError('NOT_FOUND', `partial tile width ${width} out of range in ${path}`);
  }
  const base = m[1] === 'entries' ? { kind: 'entries' as const, index } : { kind: 'hash' as const, level: Number(m[1]), index };
  if (base.kind === 'hash' && base.level > MAX_TILE_LEVEL) throw new LogError('NOT_FOUND', `tile level out of range in ${path}`);
  return width === undefined ? base : { ...base, width };
}

function partialSuffix(width: number | undefined): string {
  if (width === undefined || width === TILE_WIDTH) return '';
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new LogError('INVALID_RANGE', `bad partial tile width ${width}`);
  return `.p/${width}`;
}
