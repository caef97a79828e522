/**
 * The SQLite layout of a log. Table names carry a `merkle_` prefix because
 * personalities keep their own tables (Rekor's search index) in the same file.
 *
 * - merkle_entries: the leaves, by index, with their batch's timestamp (ms).
 * - merkle_identities: SHA-256(identity) → index, the exact-dedupe index.
 * - merkle_tiles: C2SP tiles by (level, index). A partial tile is one row that is
 *   rewritten in place as it grows (always inside the batch transaction); any shorter
 *   partial version a client asks for is a prefix of it. Full tiles also keep their
 *   255 inner nodes (`inner`, derived data checked by fsck) so that a proof reading a
 *   tile from disk does no hashing.
 * - merkle_checkpoint: the one latest signed checkpoint (id = 0).
 * - merkle_meta: origin, tile height and layout version.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS merkle_meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS merkle_entries (
  idx  INTEGER PRIMARY KEY,
  ts   INTEGER NOT NULL,
  leaf BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS merkle_identities (
  hash BLOB PRIMARY KEY,
  idx  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS merkle_tiles (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  data  BLOB NOT NULL,
  inner BLOB,
  PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS merkle_checkpoint (
  id   INTEGER PRIMARY KEY CHECK (id = 0),
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  ts   INTEGER NOT NULL
);
`;
