/**
 * ECDSA verification of a precomputed digest: verifyEcdsaPrehashed (OpenSSL through
 * node:crypto ECDH) against crypto.verify (OpenSSL, hashes the message itself, so it
 * cannot serve hashedrekord) and @noble/curves (pure JS, verifies the digest).
 *
 *   node --import tsx packages/core/bench/ecdsa-prehash-bench.ts [--seconds 2] [--workers 2] [--curves P-256,P-384,P-521]
 *
 * "parse + verify" is what a hashedrekord entry costs: the submitted PEM key is parsed
 * (parseVerificationKey) and the signature checked over the digest, per entry.
 * --workers N also runs that on P-256 in N worker threads at once and reports the
 * aggregate rate (the log verifies in parallel on every core).
 * Numbers are printed, never asserted.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { verifyEcdsaPrehashed, ecdsaPrehashStats } from '../src/keys/ecdsa-prehash.js';
import { parseVerificationKey, verifyPrehashedSignature } from '../src/keys/public-key.js';

type CurveName = 'P-256' | 'P-384' | 'P-521';
const HASH = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' } as const;
const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 as unknown as typeof p256 };

interface Item {
  msg: Buffer;
  digest: Buffer;
  sig: Buffer;
}

function fixture(curve: CurveName, count = 64): { publicKey: KeyObject; pem: string; raw: Uint8Array; items: Item[] } {
  // Through DER: see the note on generated KeyObjects in src/keys/ecdsa-prehash.ts.
  const k = generateKeyPairSync('ec', {
    namedCurve: curve,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  const privateKey = createPrivateKey({ key: k.privateKey, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey({ key: k.publicKey, format: 'der', type: 'spki' });
  const size = curve === 'P-256' ? 32 : curve === 'P-384' ? 48 : 66;
  const raw = k.publicKey.subarray(k.publicKey.length - (1 + 2 * size));
  const items = Array.from({ length: count }, (_, i) => {
    const msg = Buffer.from(`artifact ${i} ${'x'.repeat(i)}`);
    return { msg, digest: createHash(HASH[curve]).update(msg).digest(), sig: sign(HASH[curve], msg, privateKey) };
  });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return { publicKey, pem, raw, items };
}

function measure(fn: (i: number) => boolean, seconds: number): number {
  for (let i = 0; i < 20; i++) if (!fn(i)) throw new Error('verification failed');
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  while (now < end) {
    for (let k = 0; k < 8; k++) if (!fn(n++)) throw new Error('verification failed');
    now = performance.now();
  }
  return (n * 1000) / (now - t0);
}

const fmt = (ops: number) => `${ops >= 100 ? Math.round(ops).toLocaleString('en-US') : ops.toFixed(1)} ops/s`.padStart(14);
const us = (ops: number) => `${(1e6 / ops).toFixed(0)} µs`.padStart(9);

if (!isMainThread) {
  const { curve, seconds } = workerData as { curve: CurveName; seconds: number };
  const { pem, items } = fixture(curve);
  const rate = measure((i) => {
    const it = items[i & 63]!;
    return verifyPrehashedSignature(parseVerificationKey(pem), HASH[curve], it.digest, it.sig);
  }, seconds);
  parentPort!.postMessage(rate);
} else {
  const args = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
  const seconds = Number(args.get('seconds') ?? 2);
  const workers = Number(args.get('workers') ?? 0);
  const curves = (args.get('curves') ?? 'P-256,P-384,P-521').split(',') as CurveName[];

  console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${availableParallelism()} CPUs, ${seconds}s per measurement, single thread`);
  console.log(`${'curve'.padEnd(7)} ${'method'.padEnd(70)} ${'rate'.padStart(14)} ${'per op'.padStart(9)}  vs crypto.verify`);
  for (const curve of curves) {
    const { publicKey, pem, raw, items } = fixture(curve);
    const h = HASH[curve];
    const noble = NOBLE[curve];
    const rows: [string, number][] = [];
    const base = measure((i) => {
      const it = items[i & 63]!;
      return verify(h, it.msg, publicKey, it.sig);
    }, seconds);
    rows.push([`crypto.verify('${h}', message) [hashes, not usable]`, base]);
    rows.push([
      'verifyEcdsaPrehashed(digest)',
      measure((i) => {
        const it = items[i & 63]!;
        return verifyEcdsaPrehashed(publicKey, it.digest, it.sig);
      }, seconds),
    ]);
    rows.push([
      'parse + verify: parseVerificationKey(PEM) + verifyPrehashedSignature',
      measure((i) => {
        const it = items[i & 63]!;
        return verifyPrehashedSignature(parseVerificationKey(pem), h, it.digest, it.sig);
      }, seconds),
    ]);
    rows.push([
      '@noble/curves verify(digest, prehash: false)',
      measure((i) => {
        const it = items[i & 63]!;
        return noble.verify(it.sig, it.digest, raw, { prehash: false, lowS: false, format: 'der' });
      }, Math.max(seconds, 1)),
    ]);
    for (const [name, ops] of rows) console.log(`${curve.padEnd(7)} ${name.padEnd(70)} ${fmt(ops)} ${us(ops)}  ${(ops / base).toFixed(2)}x`);
  }
  if (ecdsaPrehashStats.nobleFallbacks) console.log(`WARNING: ${ecdsaPrehashStats.nobleFallbacks} verifications fell back to noble`);

  if (workers > 0) {
    const rates = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<number>((resolve, reject) => {
            // Workers do not inherit --import tsx's loader: load this file through tsx's API.
            const src = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => api.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`;
            const w = new Worker(src, { eval: true, workerData: { curve: 'P-256', seconds: Math.max(seconds, 3) } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    const total = rates.reduce((a, b) => a + b, 0);
    console.log(`P-256   parse + verify in ${workers} worker threads: ${fmt(total)} total (${rates.map((r) => Math.round(r)).join(' + ')})`);
  }
}
