/**
 * Cache sizes of the Rekor logs (v1 and v2). Both caches fill as a log grows and were
 * the whole RSS growth of the server between ~100k and 1M entries:
 * - the SQLite page cache: 16 MiB (the store's default is 32);
 * - cached full tiles (expanded, ~16 KiB each): 1,024 cover the leaf tiles of the newest
 *   ~250k entries (the engine's default, 4,096, fills only at ~1M); a miss reads one
 *   stored tile with its inner nodes (no hashing).
 * Measured over HTTP (BENCHMARKS.md): v1 at 1.15M entries (2026-12-01) RSS 296–308 MB
 * instead of 331–347 MB, reads 13.1–13.9k/s instead of 14.9–15.5k/s, appends unchanged;
 * v2 (2026-12-05) RSS crept ~45 MiB from 500k to 1M with the engine defaults, and the
 * engine alone stays flat from 400k to 1M with 1,024 tiles (+32 MiB with 4,096).
 */
export const REKOR_SQLITE_CACHE_KIB = 16 * 1024;
export const REKOR_TILE_CACHE_SIZE = 1024;
