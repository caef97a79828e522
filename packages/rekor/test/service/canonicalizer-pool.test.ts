import t from 'tap';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { CanonicalizerPool } from '../../src/service/canonicalizer-pool.js';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
import { canonicalizeCreateEntryRequest } from '../../src/v2/create-entry-request.js';
import { RekorError } from '../../src/errors.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }) as string).toString('base64');
function entry(i: number) {
  const a = Buffer.from(`artifact ${i}`);
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(a).digest('hex') } },
      signature: { content: sign('sha256', a, key.privateKey).toString('base64'), publicKey: { content: pem } },
    },
  };
}

t.test('workers give exactly what the in-process canonicaliser gives, and the same errors', async (t) => {
  const pool = new CanonicalizerPool({ workers: 2 });
  t.teardown(() => pool.close());
  // ECDSA signatures are randomised: make each entry once.
  const entries = Array.from({ length: 20 }, (_, i) => entry(i));
  const got = await Promise.all(entries.map((e) => pool.canonicalize(e)));
  for (let i = 0; i < 20; i++) {
    const want = await canonicalizeProposedEntry(entries[i]);
    t.ok(got[i]!.body.equals(want.body), `body ${i}`);
    t.same(got[i]!.indexKeys, want.indexKeys);
  }
  const bad = entry(0);
  (bad.spec.data.hash as { value: string }).value = 'ab';
  await t.rejects(pool.canonicalize(bad), RekorError);
  try {
    await pool.canonicalize({ ...entry(1), kind: 'nonsense' });
  } catch (e) {
    t.equal((e as RekorError).code, 'UNSUPPORTED_KIND', 'the code survives the thread boundary');
  }
  const ok = await pool.canonicalize(entry(99));
  t.ok(ok.body.length > 0, 'still serving after errors');
});

t.test('workers: 0 runs in process', async (t) => {
  const pool = new CanonicalizerPool({ workers: 0 });
  const e = await pool.canonicalize(entry(5));
  t.equal(e.kind, 'hashedrekord');
  await pool.close();
});

// Rekor v2 CreateEntryRequests through the same pool (one pool per stack serves both logs).
function v2Request(i: number) {
  const a = Buffer.from(`v2 artifact ${i}`);
  return {
    hashedRekordRequestV002: {
      digest: createHash('sha256').update(a).digest('base64'),
      signature: {
        content: sign('sha256', a, key.privateKey).toString('base64'),
        verifier: { keyDetails: 'PKIX_ECDSA_P256_SHA_256', publicKey: { rawBytes: (key.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64') } },
      },
    },
  };
}

async function refusal(p: Promise<unknown>): Promise<{ code?: string; message: string; isRekor: boolean }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as RekorError).code, message: (e as Error).message, isRekor: e instanceof RekorError };
  }
  throw new Error('expected a refusal');
}

t.test('v2 requests: workers give what the in-process canonicaliser gives, with the same codes and messages', async (t) => {
  const pool = new CanonicalizerPool({ workers: 2 });
  const local = new CanonicalizerPool({ workers: 0 });
  t.teardown(() => pool.close());
  const reqs = Array.from({ length: 10 }, (_, i) => v2Request(i));
  const got = await Promise.all(reqs.map((r) => pool.canonicalizeV2(r)));
  for (let i = 0; i < reqs.length; i++) {
    const want = await canonicalizeCreateEntryRequest(reqs[i]);
    t.same({ kind: got[i]!.kind, version: got[i]!.version }, { kind: want.kind, version: want.version });
    t.ok(Buffer.isBuffer(got[i]!.body) && got[i]!.body.equals(want.body), `body ${i}`);
  }
  const wrongSig = v2Request(1);
  wrongSig.hashedRekordRequestV002.signature.content = v2Request(2).hashedRekordRequestV002.signature.content;
  const bad: unknown[] = [null, [], {}, { hashedRekordRequestV002: {}, dsseRequestV002: {} }, { hashedRekordRequestV002: { digest: 'AA==' } }, wrongSig];
  for (const b of bad) {
    const [w, l] = await Promise.all([refusal(pool.canonicalizeV2(b)), refusal(local.canonicalizeV2(b))]);
    t.ok(w.isRekor, `a RekorError across the thread boundary: ${w.code} ${w.message}`);
    t.same(w, l, 'same code and message as in process');
  }
  const limited = await refusal(pool.canonicalizeV2(v2Request(3), { maxKeyBytes: 10 }));
  t.same(limited, await refusal(local.canonicalizeV2(v2Request(3), { maxKeyBytes: 10 })), 'per-call limits reach the worker');
  t.equal((await pool.canonicalize(entry(7))).kind, 'hashedrekord', 'v1 entries still go through the same pool');
});
