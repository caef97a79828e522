import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metadata, Root, Targets } from '@tufjs/models';
import { TufError } from '../errors.js';
import { parseMetadata, toMetadataBytes } from '../metadata/metadata-file.js';
import { writeFileAtomic } from '@sigstack/core';
import { assertTargetName } from '../repository/layout.js';

/**
 * The ceremony folder (documented for operators in tuf-root/README.md):
 *
 *   ceremony.json            settings: expiry periods (days) per role, and the versions last published
 *   root/<N>.root.json       every root version with the signatures collected so far; the highest is the one being signed
 *   targets.json             the targets metadata with the signatures collected so far
 *   targets/<name>           the bytes of each target, exactly as they will be served
 *
 * Everything in it is public (no private key ever lives here), so it can be kept in
 * git and carried between air-gapped machines. Every write goes to a temporary file
 * and is renamed into place, so an interrupted command leaves the previous file.
 */
export const CEREMONY_FILE = 'ceremony.json';

export interface CeremonySettings {
  /** Lifetimes in days. */
  expiryDays: { root: number; targets: number; snapshot: number; timestamp: number };
  /** Versions of root and targets last published from this folder (0: never). */
  published: { root: number; targets: number };
}

/** Ceremony defaults (days): root 1 year, targets 6 months, snapshot and timestamp 7 days (production re-signs the timestamp daily; protocols.md §10.3). */
export const DEFAULT_EXPIRY_DAYS: CeremonySettings['expiryDays'] = { root: 365, targets: 180, snapshot: 7, timestamp: 7 };

export class CeremonyFolder {
  constructor(readonly dir: string) {}

  static exists(dir: string): boolean {
    return existsSync(join(dir, CEREMONY_FILE));
  }

  static open(dir: string): CeremonyFolder {
    if (!CeremonyFolder.exists(dir)) throw new TufError('NOT_FOUND', `${dir} is not a ceremony folder (no ${CEREMONY_FILE}; run "sigstack tuf init")`);
    return new CeremonyFolder(dir);
  }

  settings(): CeremonySettings {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(this.dir, CEREMONY_FILE), 'utf8'));
    } catch (cause) {
      throw new TufError('MALFORMED_METADATA', `${CEREMONY_FILE} is not JSON: ${(cause as Error).message}`, { cause });
    }
    const s = json as Partial<CeremonySettings>;
    const days = s.expiryDays;
    const pub = s.published;
    const okDays = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
    if (!days || !pub || !okDays(days.root) || !okDays(days.targets) || !okDays(days.snapshot) || !okDays(days.timestamp) || !Number.isSafeInteger(pub.root) || !Number.isSafeInteger(pub.targets))
      throw new TufError('MALFORMED_METADATA', `${CEREMONY_FILE} lacks expiryDays.{root,targets,snapshot,timestamp} or published.{root,targets}`);
    return { expiryDays: days, published: pub };
  }

  writeSettings(s: CeremonySettings): void {
    this.#write(CEREMONY_FILE, Buffer.from(`${JSON.stringify(s, null, 2)}\n`));
  }

  /** Every root version, 1..N. */
  roots(): Metadata<Root>[] {
    const dir = join(this.dir, 'root');
    const versions = existsSync(dir)
      ? readdirSync(dir)
          .map((f) => /^(\d+)\.root\.json$/.exec(f)?.[1])
          .filter((v): v is string => v !== undefined)
          .map(Number)
          .sort((a, b) => a - b)
      : [];
    if (versions.length === 0) throw new TufError('MALFORMED_METADATA', `${this.dir}/root holds no N.root.json`);
    return versions.map((v, i) => {
      if (v !== i + 1) throw new TufError('MALFORMED_METADATA', `${this.dir}/root: root versions must run 1..N, found ${v} at position ${i + 1}`);
      const md = parseMetadata('root', readFileSync(join(dir, `${v}.root.json`)), `root/${v}.root.json`);
      if (md.signed.version !== v) throw new TufError('MALFORMED_METADATA', `root/${v}.root.json holds version ${md.signed.version}`);
      return md;
    });
  }

  writeRoot(md: Metadata<Root>): void {
    this.#write(`root/${md.signed.version}.root.json`, toMetadataBytes(md));
  }

  targets(): Metadata<Targets> {
    const p = join(this.dir, 'targets.json');
    if (!existsSync(p)) throw new TufError('MALFORMED_METADATA', `${this.dir} has no targets.json`);
    return parseMetadata('targets', readFileSync(p), 'targets.json');
  }

  writeTargets(md: Metadata<Targets>): void {
    this.#write('targets.json', toMetadataBytes(md));
  }

  targetBytes(name: string): Buffer | undefined {
    assertTargetName(name);
    const p = join(this.dir, 'targets', name);
    return existsSync(p) ? readFileSync(p) : undefined;
  }

  writeTargetBytes(name: string, bytes: Uint8Array): void {
    assertTargetName(name);
    this.#write(`targets/${name}`, bytes);
  }

  #write(rel: string, bytes: Uint8Array): void {
    const path = join(this.dir, rel);
    try {
      writeFileAtomic(path, bytes);
    } catch (cause) {
      throw new TufError('IO_FAILED', `cannot write ${path}: ${(cause as Error).message}`, { cause });
    }
  }
}
