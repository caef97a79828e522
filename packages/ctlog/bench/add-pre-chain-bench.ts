// Throughput of addPreChain (validation, append, SCT signature) with N concurrent
// submitters. Run: node --import tsx packages/ctlog/bench/add-pre-chain-bench.ts [entries] [concurrency]
// Numbers go to BENCHMARKS.md, never into assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import { openCtLog } from '../src/index.js';
import { issuePrecert, leafFields, makeCa } from '../test/helpers/pki.js';

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 64);
const ca = await makeCa();
const precerts = await Promise.all(Array.from({ length: total }, () => issuePrecert(ca, leafFields())));
const dir = mkdtempSync(join(tmpdir(), 'ctlog-bench-'));
const log = await openCtLog({ path: join(dir, 'ct.db'), signer: createEphemeralSigner(), roots: [ca.root] });
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) await log.service.addPreChain([precerts[next++]!, ca.inter, ca.root]);
  }),
);
const s = (performance.now() - t0) / 1000;
console.log(`${total} precerts, ${concurrency} concurrent: ${(total / s).toFixed(0)}/s (${((s * 1e6) / total).toFixed(0)} µs each)`);
await log.close();
rmSync(dir, { recursive: true, force: true });
