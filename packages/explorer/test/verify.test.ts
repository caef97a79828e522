// The browser-side checks, run in Node (WebCrypto and @noble/curves are the same code
// there), against an independent oracle: trees, notes and signatures made with
// node:crypto here.
import t from 'tap';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { ExplorerError, toHex } from '../src/bytes.js';
import { leafHash, rootFromInclusionProof } from '../src/verify/merkle.js';
import { verifyCheckpointSignature, type LogKey } from '../src/verify/log-keys.js';
import { cosignatureTime, parseCheckpoint } from '../src/verify/note.js';
import { parseTrustedRoot } from '../src/verify/trusted-root.js';

const h = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (d: Buffer) => h(Buffer.from([0]), d);
const node = (l: Buffer, r: Buffer) => h(Buffer.from([1]), l, r);
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
/** RFC 6962 §2.1.1 PATH(m, D[n]). */
function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

t.test('inclusion proofs of every leaf of trees of 1 to 33 leaves lead to the root; a flipped byte does not', async (t) => {
  for (let n = 1; n <= 33; n++) {
    const data = Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));
    const leaves = data.map(leaf);
    const root = mth(leaves);
    for (let m = 0; m < n; m++) {
      const lh = await leafHash(data[m]!);
      t.equal(toHex(lh), leaves[m]!.toString('hex'));
      const proof = path(m, leaves);
      const got = await rootFromInclusionProof(m, n, lh, proof);
      if (toHex(got) !== root.toString('hex')) t.fail(`n=${n} m=${m}`);
      if (proof.length > 0) {
        const bad = proof.map((p) => Buffer.from(p));
        bad[0]![0]! ^= 1;
        if (toHex(await rootFromInclusionProof(m, n, lh, bad)) === root.toString('hex')) t.fail(`tampered n=${n} m=${m}`);
      }
    }
  }
  t.pass('all proofs checked');
});

t.test('proofs of the wrong shape are refused with BAD_PROOF', async (t) => {
  const lh = await leafHash(Buffer.from('x'));
  for (const [i, n, proof] of [
    [0, 0, []],
    [5, 5, []],
    [-1, 5, []],
    [0, 2, []],
    [0, 1, [Buffer.alloc(32)]],
    [0, 4, [Buffer.alloc(31), Buffer.alloc(32)]],
  ] as [number, number, Buffer[]][]) {
    await t.rejects(rootFromInclusionProof(i, n, lh, proof), { code: 'BAD_PROOF' }, `index ${i} size ${n} proof ${proof.length}`);
  }
});

function keys() {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const ecSpki = ec.publicKey.export({ type: 'spki', format: 'der' });
  const edSpki = ed.publicKey.export({ type: 'spki', format: 'der' });
  const ecKey: LogKey = { kind: 'tlog', baseUrl: 'http://v1', algorithm: 'ecdsa-p256-sha256', spki: ecSpki, logId: h(ecSpki) };
  const edKey: LogKey = { kind: 'tlog', baseUrl: 'http://v2', algorithm: 'ed25519', spki: edSpki, logId: h(edSpki) };
  return { ec, ed, ecSpki, edSpki, ecKey, edKey };
}

const body = (origin: string, size = 3) => `${origin}\n${size}\n${h(Buffer.from('root')).toString('base64')}\n`;
const line = (name: string, hint: Buffer, sig: Buffer) => `\u2014 ${name} ${Buffer.concat([hint.subarray(0, 4), sig]).toString('base64')}\n`;

t.test('checkpoint signatures: ECDSA (Rekor v1, CT) and Ed25519 (C2SP, Rekor v2) verify; tampering and unknown keys do not', async (t) => {
  const k = keys();
  const v1 = body('example.com - 123');
  const ecNote = `${v1}\n${line('example.com - 123', h(k.ecSpki), sign('sha256', Buffer.from(v1), k.ec.privateKey))}`;
  const r1 = await verifyCheckpointSignature(ecNote, [k.edKey, k.ecKey]);
  t.ok(r1.ok, r1.detail);
  t.equal(r1.key?.baseUrl, 'http://v1');
  t.same(parseCheckpoint(r1.note!.text).size, 3);

  const v2 = body('log.example');
  const edHint = h(Buffer.from('log.example'), Buffer.from([0x0a, 0x01]), k.edSpki.subarray(12));
  const cosig = Buffer.concat([Buffer.from('00000000000003e8', 'hex'), Buffer.alloc(64, 7)]);
  const edNote = `${v2}\n${line('log.example', edHint, sign(null, Buffer.from(v2), k.ed.privateKey))}${line('witness.example', Buffer.alloc(4, 9), cosig)}`;
  const r2 = await verifyCheckpointSignature(edNote, [k.ecKey, k.edKey]);
  t.ok(r2.ok, r2.detail);
  t.equal(r2.others.length, 1, 'the cosignature is listed, not verified');
  t.equal(cosignatureTime(r2.others[0]!.signature), 1000);

  const tampered = ecNote.replace('\n3\n', '\n4\n');
  const r3 = await verifyCheckpointSignature(tampered, [k.ecKey]);
  t.notOk(r3.ok);
  t.match(r3.detail, /does not verify/);
  t.notOk((await verifyCheckpointSignature(ecNote, [k.edKey])).ok, 'no trusted key: not verified');
  t.match((await verifyCheckpointSignature('no blank line', [k.ecKey])).detail, /blank line/);
  // An Ed25519 signature under another name has another hint: not taken as the log's.
  const renamed = edNote.replace('\u2014 log.example ', '\u2014 other.example ');
  t.notOk((await verifyCheckpointSignature(renamed, [k.edKey])).ok);
});

t.test('checkpoint bodies are parsed strictly', async (t) => {
  t.throws(() => parseCheckpoint('o\n01\nAAAA\n'), { code: 'BAD_CHECKPOINT' });
  t.throws(() => parseCheckpoint('o\n1\nAAAA\n'), { code: 'BAD_CHECKPOINT' });
  t.throws(() => parseCheckpoint('\n1\n' + Buffer.alloc(32).toString('base64') + '\n'), { code: 'BAD_CHECKPOINT' });
  t.same(parseCheckpoint(`o\n1\n${Buffer.alloc(32).toString('base64')}\next\n`).extensions, ['ext']);
});

t.test('trusted root: log keys of known algorithms, with their IDs', async (t) => {
  const k = keys();
  const tr = parseTrustedRoot({
    tlogs: [
      { baseUrl: 'http://a', publicKey: { rawBytes: k.ecSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256' }, logId: { keyId: h(k.ecSpki).toString('base64') } },
      { baseUrl: 'http://b', publicKey: { rawBytes: 'AAAA', keyDetails: 'PKIX_RSA_PKCS1V15_2048_SHA256' }, logId: { keyId: 'AAAA' } },
    ],
    ctlogs: [{ baseUrl: 'http://c', publicKey: { rawBytes: k.edSpki.toString('base64'), keyDetails: 'PKIX_ED25519' }, logId: { keyId: 'AAAA' } }],
  });
  t.equal(tr.tlogs.length, 1, 'RSA is left out');
  t.equal(tr.ctlogs[0]!.algorithm, 'ed25519');
  t.throws(() => parseTrustedRoot({ tlogs: [{ baseUrl: 1 }] }), ExplorerError);
  t.throws(() => parseTrustedRoot(null), { code: 'BAD_TRUSTED_ROOT' });
});
