// The core path: add-pre-chain → SCT → final certificate → the SCT verifies, checked by
// our verifyEmbeddedSct, by sigstore-js's own verifySCTs (the real client code), and by
// an independent reconstruction of the signed bytes with pkijs and node:crypto.
import t from 'tap';
import { createHash, createPublicKey, verify, X509Certificate as NodeX509 } from 'node:crypto';
import { createRequire } from 'node:module';
import * as pkijs from 'pkijs';
import { createEphemeralSigner } from '@sigstack/core';
import { CtLogError, encodeSctListExtensionValue, verifyEmbeddedSct } from '../src/index.js';
import { issueFinal, issuePrecert, leafFields, makeCa, testLog, POISON_OID, SCT_LIST_OID } from './helpers/pki.js';

const require = createRequire(import.meta.url);
const verifyMain = require.resolve('@sigstore/verify');
// sigstore-js, as shipped: its X509 parser (from @sigstore/core) and its SCT verifier.
const sigstoreCore = createRequire(verifyMain)('@sigstore/core') as {
  X509Certificate: { parse(der: Buffer): unknown };
};
const { verifySCTs } = require('@sigstore/verify/dist/key/sct.js') as {
  verifySCTs(cert: unknown, issuer: unknown, logs: unknown[]): Buffer[];
};

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

function parseSct(sct: Buffer) {
  const extLen = sct.readUInt16BE(41);
  const off = 43 + extLen;
  return {
    version: sct[0],
    logId: sct.subarray(1, 33),
    timestampMs: Number(sct.readBigUInt64BE(33)),
    extensions: sct.subarray(43, off),
    hash: sct[off],
    sig: sct[off + 1],
    sigLen: sct.readUInt16BE(off + 2),
    signature: sct.subarray(off + 4),
  };
}

t.test('add-pre-chain: the SCT embedded in the final certificate verifies (ours, sigstore-js, by hand)', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const f = leafFields();
  const precert = await issuePrecert(ca, f);
  const sct = await log.service.addPreChain([precert, ca.inter, ca.root]);

  const p = parseSct(sct);
  t.equal(p.version, 0, 'v1');
  t.ok(p.logId.equals(log.logId), 'log_id');
  t.ok(log.logId.equals(sha256(log.signer.publicKeyDer)), 'log_id = SHA-256(SPKI)');
  t.equal(p.timestampMs, log.clock.now(), 'the batch timestamp');
  t.equal(p.extensions.length, 0);
  t.equal(p.hash, 4, 'sha256');
  t.equal(p.sig, 3, 'ecdsa');
  t.equal(p.sigLen, p.signature.length);
  t.equal(sct.length, 1 + 32 + 8 + 2 + 4 + p.signature.length);

  const final = await issueFinal(ca, f, [sct]);
  // Ours.
  const r = verifyEmbeddedSct(final, ca.inter, log.publicKeyDer);
  t.ok(r.logId.equals(log.logId));
  t.equal(r.timestampMs, p.timestampMs);
  t.same(verifyEmbeddedSct(final, ca.inter, createPublicKey({ key: log.publicKeyDer, format: 'der', type: 'spki' })), r, 'KeyObject form');

  // sigstore-js.
  const logs = [
    {
      logID: log.logId,
      baseURL: 'http://127.0.0.1',
      publicKey: createPublicKey({ key: log.publicKeyDer, format: 'der', type: 'spki' }),
      validFor: { start: new Date(0), end: new Date(8.64e15) },
    },
  ];
  const ids = verifySCTs(sigstoreCore.X509Certificate.parse(final), sigstoreCore.X509Certificate.parse(ca.inter), logs);
  t.equal(ids.length, 1);
  t.ok(ids[0]!.equals(log.logId), 'sigstore-js verifySCTs accepts it');

  // By hand: pkijs drops the SCT list from the final certificate and re-encodes the TBS.
  const parsed = pkijs.Certificate.fromBER(final);
  t.equal(parsed.extensions!.at(-1)!.extnID, SCT_LIST_OID, 'the SCT list sits where the poison was');
  parsed.extensions = parsed.extensions!.filter((e) => e.extnID !== SCT_LIST_OID);
  const tbsFromFinal = Buffer.from(parsed.encodeTBS().toBER(false));
  const pre = pkijs.Certificate.fromBER(precert);
  t.equal(pre.extensions!.at(-1)!.extnID, POISON_OID);
  pre.extensions = pre.extensions!.filter((e) => e.extnID !== POISON_OID);
  const tbsFromPrecert = Buffer.from(pre.encodeTBS().toBER(false));
  t.ok(tbsFromFinal.equals(tbsFromPrecert), 'the precert TBS minus poison = the final TBS minus SCT list');
  const issuerSpki = Buffer.from(pkijs.Certificate.fromBER(ca.inter).subjectPublicKeyInfo.toSchema().toBER(false));
  const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(p.timestampMs));
  const signed = Buffer.concat([
    Buffer.from([0, 0]),
    ts,
    Buffer.from([0, 1]),
    sha256(issuerSpki),
    u24(tbsFromFinal.length),
    tbsFromFinal,
    Buffer.from([0, 0]),
  ]);
  t.ok(verify('sha256', signed, log.signer.publicKey, p.signature), 'the RFC 6962 §3.2 struct, rebuilt independently, verifies');

  // The leaf in the tree is the MerkleTreeLeaf of the same entry.
  const entries = log.service.getEntries(0, 0).entries;
  t.equal(entries.length, 1);
  t.ok(Buffer.from(entries[0]!.leaf_input, 'base64').equals(signed), 'leaf_input = MerkleTreeLeaf (same bytes as the v1 signature input)');
});

t.test('the SCT list extension value has the layout protocols.md §5.3 shows', async (t) => {
  const sct = Buffer.alloc(118, 7);
  const v = encodeSctListExtensionValue([sct]);
  t.equal(v.subarray(0, 6).toString('hex'), '047a00780076', 'OCTET STRING(122) → list length 0x78 → SCT length 0x76');
  t.ok(v.subarray(6).equals(sct));
  const two = encodeSctListExtensionValue([Buffer.from([1, 2]), Buffer.from([3])]);
  t.equal(two.toString('hex'), '0409' + '0007' + '00020102' + '000103');
  t.throws(() => encodeSctListExtensionValue([]), RangeError);
});

t.test('the final certificate is a normal certificate chaining to the intermediate', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const f = leafFields();
  const sct = await log.service.addPreChain([await issuePrecert(ca, f), ca.inter]);
  const final = new NodeX509(await issueFinal(ca, f, [sct]));
  t.ok(final.checkIssued(new NodeX509(ca.inter)) && final.verify(new NodeX509(ca.inter).publicKey));
});

t.test('verifyEmbeddedSct refuses what is wrong', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const f = leafFields();
  const sct = await log.service.addPreChain([await issuePrecert(ca, f), ca.inter, ca.root]);
  const final = await issueFinal(ca, f, [sct]);
  const code = (fn: () => unknown, c: string, msg: RegExp, name: string) => {
    try {
      fn();
      t.fail(`${name}: accepted`);
    } catch (e) {
      t.ok(e instanceof CtLogError, name);
      t.equal((e as CtLogError).code, c, name);
      t.match((e as Error).message, msg, name);
    }
  };
  const precert = await issuePrecert(ca, f);
  const tampered = Buffer.from(sct);
  tampered[tampered.length - 5]! ^= 1;
  const withTampered = await issueFinal(ca, f, [tampered]);
  const otherCert = await issueFinal(ca, leafFields(), [sct]);
  code(() => verifyEmbeddedSct(final, ca.inter, createEphemeralSigner().publicKeyDer), 'INVALID_SCT', /no embedded SCT is from the log/, 'another log key');
  code(() => verifyEmbeddedSct(final, ca.root, log.publicKeyDer), 'INVALID_SCT', /does not verify/, 'wrong issuer');
  code(() => verifyEmbeddedSct(precert, ca.inter, log.publicKeyDer), 'INVALID_SCT', /no embedded SCT list/, 'no SCT list');
  code(() => verifyEmbeddedSct(withTampered, ca.inter, log.publicKeyDer), 'INVALID_SCT', /does not verify/, 'tampered signature');
  code(() => verifyEmbeddedSct(otherCert, ca.inter, log.publicKeyDer), 'INVALID_SCT', /does not verify/, 'SCT of another certificate');
  code(() => verifyEmbeddedSct(Buffer.from('nonsense'), ca.inter, log.publicKeyDer), 'INVALID_CERTIFICATE', /malformed DER|not/, 'not a certificate');
  code(() => verifyEmbeddedSct(final, ca.inter, Buffer.from('nonsense')), 'INVALID_SCT', /not a DER SubjectPublicKeyInfo/, 'bad key');
});
