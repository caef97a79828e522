import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isSigstackError, writeFileAtomic } from '@sigstack/core';
import { seedTufCache, tufCacheDir } from '@sigstack/client';
import {
  exportTrustBundle,
  installedRepository,
  installTrustBundle,
  latestRootBytes,
  MAX_ARCHIVE_BYTES,
  openTrustBundle,
  toMetadataBytes,
  TufError,
  type TrustExpiries,
} from '@sigstack/tuf';

export const TRUST_USAGE = `usage: sigstack trust <export|import> [flags]

Moves the stack's trust to a site with no route to it, as one file: the TUF metadata
chain (every root, timestamp, snapshot, targets) and every target (trusted_root.json,
signing_config.v0.2.json, rekor.pub, ctfe.pub, Fulcio and TSA certificates).

  export  --out FILE [--data-dir DIR | --repository DIR]
          the repository the stack serves at /tuf/ (default <data-dir>/tuf/repository,
          data dir ./.sigstack); verified first: an expired repository is not exported
  import  FILE --dir DIR [--root ROOT.json] [--no-client]
          verifies FILE from ROOT.json (the stack's trust/root.json, carried out of band;
          later imports into the same DIR may omit it: the last imported root is pinned),
          then writes DIR/repository (a TUF mirror: cosign initialize --mirror
          file://DIR/repository --root ROOT.json), DIR/trust/ (trusted_root.json, ...) and,
          unless --no-client, this user's sigstack TUF cache (TUF_ROOT or ~/.sigstore/root),
          so "sigstack verify-blob --offline" needs no trust flag. A refused bundle
          writes nothing.

Freshness: the bundle is valid until the earliest expiry of its roles (printed by both
commands; the timestamp's, tuf.timestampExpiryHours, by default). Export and import
again before then; there is no flag to accept expired metadata.
`;

class UsageError extends Error {}

const OPTIONS = {
  out: { type: 'string' },
  'data-dir': { type: 'string' },
  repository: { type: 'string' },
  dir: { type: 'string' },
  root: { type: 'string' },
  'no-client': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function trustCommand(args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      process.stdout.write(TRUST_USAGE);
      return;
    }
    let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: true });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.values.help) return void process.stdout.write(TRUST_USAGE);
    if (cmd === 'export') return exportCommand(parsed.values, parsed.positionals);
    if (cmd === 'import') return importCommand(parsed.values, parsed.positionals);
    throw new UsageError(`unknown command "${cmd}" (export, import)`);
  } catch (e) {
    if (e instanceof UsageError || isSigstackError(e)) {
      process.stderr.write(`sigstack trust: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function printExpiries(e: TrustExpiries): void {
  out(`  expires: timestamp ${e.timestamp}, snapshot ${e.snapshot}, targets ${e.targets}, root ${e.root}`);
  out(`  valid until ${e.validUntil}: export and import a new bundle before then`);
}

function exportCommand(v: Values, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`export takes no arguments (got ${positionals.join(' ')})`);
  if (!v.out) throw new UsageError('export needs --out FILE');
  if (v.repository && v['data-dir']) throw new UsageError('give --repository or --data-dir, not both');
  const repositoryDir = resolve(v.repository ?? join(v['data-dir'] ?? '.sigstack', 'tuf', 'repository'));
  const { bytes, expiries } = exportTrustBundle(repositoryDir, { now: Date.now() });
  writeFileAtomic(resolve(v.out), bytes);
  out(`wrote ${v.out} (${bytes.length} bytes) from ${repositoryDir}`);
  printExpiries(expiries);
}

function importCommand(v: Values, positionals: string[]): void {
  if (positionals.length !== 1) throw new UsageError('import takes one bundle FILE');
  if (!v.dir) throw new UsageError('import needs --dir DIR (where the mirror and trust files go)');
  const file = positionals[0]!;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  if (statSync(file).size > MAX_ARCHIVE_BYTES) throw new TufError('BAD_ARCHIVE', `${file} is larger than ${MAX_ARCHIVE_BYTES} bytes: not a trust bundle`);
  const dir = resolve(v.dir);
  const repositoryDir = join(dir, 'repository');
  const previous = installedRepository(repositoryDir);
  let trustedRoot: Uint8Array;
  if (v.root) {
    if (!existsSync(v.root)) throw new UsageError(`--root ${v.root}: no such file`);
    trustedRoot = readFileSync(v.root);
  } else if (previous) {
    trustedRoot = latestRootBytes(previous);
  } else {
    throw new UsageError(`--root ROOT.json is required for the first import into ${dir}: the stack's trust/root.json, carried out of band (a bundle never vouches for itself)`);
  }
  const now = Date.now();
  const bundle = openTrustBundle(readFileSync(file), { trustedRoot, previous, now });

  // Crash consequences: the repository is published atomically (timestamp.json last),
  // so a crash before it leaves the previous import; the trust/ copies and the client
  // cache are derived from it and are written again by the next import.
  installTrustBundle(repositoryDir, bundle, { now });
  const trustDir = join(dir, 'trust');
  for (const [name, bytes] of bundle.targetFiles) writeFileAtomic(join(trustDir, name), bytes);
  writeFileAtomic(join(trustDir, 'root.json'), latestRootBytes(bundle.state));
  out(`imported ${file}: TUF repository ${repositoryDir}, trust files ${trustDir}/ (${[...bundle.targetFiles.keys()].sort().join(', ')})`);
  printExpiries(bundle.expiries);

  const mirror = pathToFileURL(repositoryDir).href;
  if (!v['no-client']) {
    const cacheDir = tufCacheDir(process.env);
    seedTufCache(cacheDir, {
      mirror,
      metadata: {
        root: latestRootBytes(bundle.state),
        timestamp: toMetadataBytes(bundle.state.timestamp),
        snapshot: toMetadataBytes(bundle.state.snapshot),
        targets: toMetadataBytes(bundle.state.targets),
      },
      targets: bundle.targetFiles,
    });
    out(`sigstack client trust: ${cacheDir} (sigstack verify-blob --offline ... needs no trust flag)`);
  }
  out(`cosign:  cosign initialize --mirror ${mirror} --root ${join(trustDir, 'root.json')}`);
  out(`         cosign verify-blob --trusted-root ${join(trustDir, 'trusted_root.json')} ...`);
}
