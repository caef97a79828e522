/**
 * In-process benchmark of the log engine over the SQLite store (durable:
 * WAL + synchronous=FULL, one transaction per batch).
 *
 *   node --import tsx packages/merkle/bench/engine-bench.ts [--entries 1000000] [--leaf-bytes 1024]
 *        [--in-flight 4096] [--proofs 200000] [--batch 512] [--wait-ms 2] [--cache-tiles 4096] [--dir /tmp/x]
 *
 * Reports appends/s, inclusion and consistency proofs/s (cold and warm tile cache,
 * latest and historical sizes), point reads/s, reopen time and RSS. Numbers go to
 * BENCHMARKS.md, never into assertions.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import { createEcdsaNoteSigner, leafHash, openLog, SqliteStore, verifyInclusion, type AddResult, type Log } from '../src/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (k: string, d: number) => (args.has(k) ? Number(args.get(k)) : d);
const N = num('entries', 1_000_000);
const LEAF = num('leaf-bytes', 1024);
const IN_FLIGHT = num('in-flight', 4096);
const PROOFS = num('proofs', 200_000);
const BATCH = num('batch', 512);
const WAIT = num('wait-ms', 2);
const CACHE = num('cache-tiles', 4096);
const dir = args.get('dir') || mkdtempSync(join(tmpdir(), 'merkle-bench-'));
const dbPath = join(dir, 'bench.db');

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
const mem = () => {
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, external ${mb(m.external)}`;
};
const signer = createEphemeralSigner('ecdsa-p256-sha256');
const noteSigner = createEcdsaNoteSigner('bench.example', signer);
const pad = Buffer.alloc(LEAF, 0x61);

function leaf(i: number): Buffer {
  const b = Buffer.from(pad);
  b.writeUInt32BE(i >>> 0, 0);
  b.writeUInt32BE(Math.floor(i / 2 ** 32), 4);
  return b;
}

async function open(): Promise<Log> {
  return openLog({
    store: SqliteStore.open(dbPath),
    create: true,
    origin: 'bench.example - 1',
    noteSigner,
    maxBatchSize: BATCH,
    maxBatchWaitMs: WAIT,
    maxPending: Math.max(IN_FLIGHT * 2, 8192),
    tileCacheSize: CACHE,
  });
}

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
}

console.log(`engine bench: ${N.toLocaleString('en-US')} entries of ${LEAF} bytes, ${IN_FLIGHT} in flight, batch ≤ ${BATCH}, wait ${WAIT} ms, db ${dbPath}`);
let log = await open();
const start = log.checkpoint().size;
{
  const t0 = performance.now();
  let next = start;
  let done = 0;
  let lastReport = t0;
  let lastDone = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (next < N && next - start - done < IN_FLIGHT) {
        const l = leaf(next++);
        log.add({ identity: leafHash(l), leaf: l }).then(onDone, reject);
      }
    };
    const onDone = (_r: AddResult) => {
      done++;
      if (start + done === N) return resolve();
      if (done % 100_000 === 0) {
        const now = performance.now();
        console.log(`  ${(start + done).toLocaleString('en-US')}: ${rate(done - lastDone, now - lastReport)}  (${mem()})`);
        lastReport = now;
        lastDone = done;
      }
      pump();
    };
    if (start >= N) resolve();
    else pump();
  });
  const ms = performance.now() - t0;
  const s = log.stats();
  console.log(
    `appends: ${(N - start).toLocaleString('en-US')} in ${(ms / 1000).toFixed(1)} s = ${rate(N - start, ms)} durable, ${s.batches} batches (avg ${((N - start) / Math.max(1, s.batches)).toFixed(0)}/batch)`,
  );
  console.log(`  after appends: ${mem()}; db ${mb(statSync(dbPath).size)}`);
}

const size = log.checkpoint().size;
const root = log.checkpoint().rootHash;
const rnd = () => Math.floor(Math.random() * size);

function bench(name: string, n: number, f: (k: number) => void): void {
  const t0 = performance.now();
  for (let k = 0; k < n; k++) f(k);
  console.log(`${name}: ${rate(n, performance.now() - t0)}`);
}

// Reopen: recovery loads only the checkpoint and the right edge.
await log.close();
{
  const t0 = performance.now();
  log = await open();
  console.log(`reopen at ${size.toLocaleString('en-US')} entries: ${(performance.now() - t0).toFixed(1)} ms (${mem()})`);
}

bench('inclusion proofs, latest size, cold cache (random index)', Math.min(PROOFS, 50_000), () => void log.inclusionProof(rnd(), size));
bench('inclusion proofs, latest size, warm cache (random index)', PROOFS, () => void log.inclusionProof(rnd(), size));
bench('inclusion proofs, historical sizes (random index and size)', PROOFS / 4, () => {
  const n = 1 + rnd();
  void log.inclusionProof(Math.floor(Math.random() * n), n);
});
bench('inclusion proofs, recent entries (last 10,000)', PROOFS, () => void log.inclusionProof(size - 1 - Math.floor(Math.random() * Math.min(size, 10_000)), size));
bench('consistency proofs (random old size → latest)', PROOFS / 4, () => void log.consistencyProof(1 + rnd(), size));
bench('entry reads (random index)', PROOFS / 4, () => void log.entry(rnd()));
bench('indexOf (random identity)', PROOFS / 4, () => void log.indexOf(leafHash(leaf(rnd()))));
{
  let ok = 0;
  for (let k = 0; k < 1000; k++) {
    const i = rnd();
    verifyInclusion(leafHash(leaf(i)), i, size, log.inclusionProof(i, size), root);
    ok++;
  }
  console.log(`sanity: ${ok} random proofs verify against the checkpoint`);
}
const s = log.stats();
console.log(`tile cache: ${s.tileCache.size}/${s.tileCache.capacity} tiles, ${s.tileCache.hits} hits, ${s.tileCache.misses} misses`);
console.log(`final: ${mem()}`);
await log.close();
if (!args.get('dir') && !args.has('keep')) rmSync(dir, { recursive: true, force: true });
