// Service-level issuance rate of the CA: FulcioService.createSigningCertificate in
// process, with a fake identity verifier (a fixed principal, no JWT work) and a fake
// CT log (a constant SCT, no log work), so the figure is the CA's own cost: key
// parsing, proof of possession (one verification), precertificate and final
// certificate (two signatures). Numbers go to BENCHMARKS.md, never into assertions.
//
//   npx tsx packages/fulcio/bench/issue-bench.ts [seconds per case, default 3] [concurrency, default 64]
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@sigstack/core';
import type { IdentityVerifier, Principal } from '@sigstack/oidc';
import { FulcioService, openCertificateAuthority, type CaAlgorithm, type CtLogClient } from '../src/index.js';

const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 64);

const principal: Principal = {
  challenge: 'bench@example.com',
  san: { type: 'email', value: 'bench@example.com' },
  extensions: [
    { oid: '1.3.6.1.4.1.57264.1.1', encoding: 'raw', value: 'https://oidc.example.com' },
    { oid: '1.3.6.1.4.1.57264.1.8', encoding: 'utf8', value: 'https://oidc.example.com' },
    { oid: '1.3.6.1.4.1.57264.1.24', encoding: 'utf8', value: 'bench-subject' },
  ],
  issuer: 'https://oidc.example.com',
  subject: 'bench-subject',
};
const identity: IdentityVerifier = { verify: async () => principal };
// A v1 SCT of the usual size (118 bytes: 71-byte ECDSA signature).
const sct = Buffer.concat([Buffer.from([0]), Buffer.alloc(32, 7), Buffer.alloc(8, 1), Buffer.from([0, 0, 4, 3, 0, 71]), Buffer.alloc(71, 9)]);
const ctLog: CtLogClient = { addPreChain: async () => sct };

async function run(algorithm: CaAlgorithm, clientCurve: 'P-256' | 'P-384'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-fulcio-bench-'));
  try {
    const ca = await openCertificateAuthority({ dir, create: true, algorithm });
    const fulcio = new FulcioService({ ca, identity, ctLog, clock: systemClock });
    // A pool of client keys, so key parsing is not served from a cache of one key.
    const keys = Array.from({ length: 256 }, () => {
      const pair = generateKeyPairSync('ec', { namedCurve: clientCurve });
      return {
        publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
        proofOfPossession: cryptoSign(clientCurve === 'P-256' ? 'sha256' : 'sha384', Buffer.from(principal.challenge), pair.privateKey),
      };
    });
    let done = 0;
    let i = 0;
    const deadline = performance.now() + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const k = keys[i++ % keys.length]!;
        await fulcio.createSigningCertificate({ token: 'x', key: { kind: 'publicKey', ...k } });
        done++;
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = (performance.now() - start) / 1000;
    console.log(`${algorithm} CA, ${clientCurve} client keys: ${(done / elapsed).toFixed(0)} certificates/s (${done} in ${elapsed.toFixed(2)} s, concurrency ${concurrency})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await run('ecdsa-p256-sha256', 'P-256');
await run('ecdsa-p384-sha384', 'P-256');
await run('ecdsa-p384-sha384', 'P-384');
