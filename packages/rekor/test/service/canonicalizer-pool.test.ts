import t from 'tap';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { CanonicalizerPool } from '../../src/service/canonicalizer-pool.js';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
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
