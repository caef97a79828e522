import t from 'tap';
import type { Test } from "tap";
import { createPublicKey, verify } from 'node:crypto';
import { createEphemeralSigner, FakeClock } from '@sigstack/core';
import { leafHash, verifyConsistency, verifyInclusion } from '@sigstack/merkle';
import { CtLogError, openCtLog, verifyEmbeddedSct } from '../src/index.js';
import { issueFinal, issueLeaf, issuePrecert, leafFields, makeCa, testLog } from './helpers/pki.js';

async function rejectsCode(t: Test, p: Promise<unknown>, code: string, msg?: RegExp) {
  try {
    await p;
    t.fail(`expected ${code}`);
  } catch (e) {
    t.ok(e instanceof CtLogError, `a CtLogError (${(e as Error).message})`);
    t.equal((e as CtLogError).code, code);
    if (msg) t.match((e as Error).message, msg);
  }
}

t.test('duplicates get the original timestamp and index; the tree does not grow', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const f = leafFields();
  const precert = await issuePrecert(ca, f);
  const first = await log.service.addPreChain([precert, ca.inter, ca.root]);
  const ts1 = Number(first.readBigUInt64BE(33));
  log.clock.advance(5000);
  const again = await log.service.addPreChain([precert, ca.inter]); // same entry, chain without root
  t.equal(Number(again.readBigUInt64BE(33)), ts1, 'original timestamp');
  t.equal(log.service.treeSize(), 1);
  // Both SCTs are valid for the same final certificate.
  for (const s of [first, again]) t.equal(verifyEmbeddedSct(await issueFinal(ca, f, [s]), ca.inter, log.publicKeyDer).timestampMs, ts1);
  // A different precert for the same key is a new entry with the new timestamp.
  const other = await log.service.addPreChain([await issuePrecert(ca, leafFields()), ca.inter]);
  t.equal(Number(other.readBigUInt64BE(33)), ts1 + 5000);
  t.equal(log.service.treeSize(), 2);
});

t.test('add-chain logs an x509_entry whose SCT signs the whole certificate', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const cert = await issueLeaf(ca, leafFields());
  const sct = await log.service.addChain([cert, ca.inter, ca.root]);
  const ts = sct.subarray(33, 41);
  const u24 = Buffer.from([cert.length >> 16, (cert.length >> 8) & 0xff, cert.length & 0xff]);
  const signed = Buffer.concat([Buffer.from([0, 0]), ts, Buffer.from([0, 0]), u24, cert, Buffer.from([0, 0])]);
  const sig = sct.subarray(47);
  t.equal(sct.readUInt16BE(45), sig.length);
  t.ok(verify('sha256', signed, log.signer.publicKey, sig), 'x509_entry signature (RFC 6962 §3.2)');
  const e = log.service.getEntries(0, 5).entries;
  t.equal(e.length, 1);
  t.ok(Buffer.from(e[0]!.leaf_input, 'base64').equals(signed));
  // extra_data = certificate_chain: uint24 total, then uint24-prefixed intermediate and root.
  const extra = Buffer.from(e[0]!.extra_data, 'base64');
  const l = (b: Buffer, o: number) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
  t.equal(l(extra, 0), extra.length - 3);
  t.equal(l(extra, 3), ca.inter.length);
  t.ok(extra.subarray(6, 6 + ca.inter.length).equals(ca.inter));
  t.ok(extra.subarray(9 + ca.inter.length).equals(ca.root));
});

t.test('extra_data of a precert entry is the whole PrecertChainEntry, root appended when left out', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const precert = await issuePrecert(ca, leafFields());
  await log.service.addPreChain([precert, ca.inter]);
  const extra = Buffer.from(log.service.getEntries(0, 0).entries[0]!.extra_data, 'base64');
  const l = (o: number) => (extra[o]! << 16) | (extra[o + 1]! << 8) | extra[o + 2]!;
  t.equal(l(0), precert.length);
  t.ok(extra.subarray(3, 3 + precert.length).equals(precert));
  let o = 3 + precert.length;
  t.equal(l(o), extra.length - o - 3);
  o += 3;
  t.equal(l(o), ca.inter.length);
  o += 3 + ca.inter.length;
  t.equal(l(o), ca.root.length);
  t.ok(extra.subarray(o + 3).equals(ca.root), 'the accepted root ends the stored chain');
});

t.test('a precert issued directly by a root, submitted alone', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const f = leafFields();
  const precert = await issueLeaf(ca, f, (await import('./helpers/pki.js')).poisonExtension(), { signer: ca.rootSigner, issuer: ca.root });
  const sct = await log.service.addPreChain([precert]);
  const final = await issueLeaf(ca, f, (await import('./helpers/pki.js')).sctListExtension([sct]), { signer: ca.rootSigner, issuer: ca.root });
  t.ok(verifyEmbeddedSct(final, ca.root, log.publicKeyDer));
});

t.test('STH: signed TreeHeadSignature over the checkpoint; proofs verify against it', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const key = createPublicKey({ key: log.publicKeyDer, format: 'der', type: 'spki' });
  const checkSth = (s: Awaited<ReturnType<typeof log.service.getSth>>) => {
    const ds = Buffer.from(s.tree_head_signature, 'base64');
    t.equal(ds[0], 4);
    t.equal(ds[1], 3);
    t.equal(ds.readUInt16BE(2), ds.length - 4);
    const input = Buffer.alloc(2 + 8 + 8 + 32);
    input[1] = 1;
    input.writeBigUInt64BE(BigInt(s.timestamp), 2);
    input.writeBigUInt64BE(BigInt(s.tree_size), 10);
    Buffer.from(s.sha256_root_hash, 'base64').copy(input, 18);
    t.ok(verify('sha256', input, key, ds.subarray(4)), `STH of size ${s.tree_size} verifies`);
  };
  const empty = await log.service.getSth();
  t.equal(empty.tree_size, 0);
  t.equal(empty.sha256_root_hash, Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex').toString('base64'));
  checkSth(empty);
  const sizes: { size: number; root: Buffer }[] = [];
  for (let i = 0; i < 5; i++) {
    log.clock.advance(1000);
    await Promise.all([0, 1, 2].map(async () => log.service.addPreChain([await issuePrecert(ca, leafFields()), ca.inter])));
    const s = await log.service.getSth();
    t.equal(s.timestamp, log.clock.now(), 'the timestamp of the last batch');
    t.equal(await log.service.getSth(), s, 'cached for the same tree head');
    checkSth(s);
    sizes.push({ size: s.tree_size, root: Buffer.from(s.sha256_root_hash, 'base64') });
  }
  const last = sizes.at(-1)!;
  t.equal(last.size, 15);
  const entries = log.service.getEntries(0, 100).entries;
  t.equal(entries.length, 15);
  for (let i = 0; i < entries.length; i++) {
    const h = leafHash(Buffer.from(entries[i]!.leaf_input, 'base64'));
    for (const s of sizes.filter((s) => s.size > i)) {
      const p = log.service.getProofByHash(h, s.size);
      t.equal(p.leaf_index, i);
      verifyInclusion(h, i, s.size, p.audit_path.map((x) => Buffer.from(x, 'base64')), s.root);
    }
  }
  for (const a of sizes)
    for (const b of sizes.filter((b) => b.size >= a.size)) {
      const c = log.service.getSthConsistency(a.size, b.size).consistency.map((x) => Buffer.from(x, 'base64'));
      verifyConsistency(a.size, b.size, c, a.root, b.root);
    }
  t.pass('every inclusion and consistency proof verifies');
  t.same(log.service.getSthConsistency(0, 15), { consistency: [] });
});

t.test('reopening keeps entries, extra_data and the key; the origin is fixed', async (t) => {
  const ca = await makeCa();
  const signer = createEphemeralSigner();
  const log = await testLog(t, ca, { signer });
  const f = leafFields();
  const precert = await issuePrecert(ca, f);
  const sct = await log.service.addPreChain([precert, ca.inter]);
  const before = log.service.getEntries(0, 0);
  const sth = await log.service.getSth();
  await log.close();
  const again = await openCtLog({ path: log.path, signer, roots: [ca.root], clock: new FakeClock(Date.UTC(2026, 0, 3)) });
  t.teardown(() => again.close());
  t.same(again.service.getEntries(0, 0), before);
  t.equal((await again.service.getSth()).sha256_root_hash, sth.sha256_root_hash);
  const dup = await again.service.addPreChain([precert, ca.inter]);
  t.ok(dup.subarray(33, 41).equals(sct.subarray(33, 41)), 'duplicate across restarts keeps its timestamp');
  t.equal(again.service.treeSize(), 1);
  await rejectsCode(t, openCtLog({ path: log.path + '.other', signer: createEphemeralSigner('ed25519'), roots: [ca.root] }), 'INVALID_KEY', /ECDSA P-256/);
  await rejectsCode(t, openCtLog({ path: log.path + '.other', signer: createEphemeralSigner('ecdsa-p384-sha384'), roots: [ca.root] }), 'INVALID_KEY');
  await rejectsCode(t, openCtLog({ path: log.path + '.other', signer, roots: [] }), 'INVALID_OPTIONS', /at least one/);
  await rejectsCode(t, openCtLog({ path: log.path + '.other', signer, roots: [Buffer.from('x')] }), 'INVALID_OPTIONS', /roots\[0\]/);
});

t.test('chain validation', async (t) => {
  const ca = await makeCa();
  const other = await makeCa('Other');
  const log = await testLog(t, ca);
  const f = leafFields();
  const precert = await issuePrecert(ca, f);
  const cert = await issueLeaf(ca, f);
  const svc = log.service;
  await rejectsCode(t, svc.addPreChain([cert, ca.inter]), 'MISSING_POISON', /chain\[0\]: not a precertificate/);
  await rejectsCode(t, svc.addChain([precert, ca.inter]), 'UNEXPECTED_POISON', /add-pre-chain/);
  await rejectsCode(t, svc.addPreChain([]), 'MALFORMED_REQUEST');
  await rejectsCode(t, svc.addPreChain([Buffer.from('not a cert')]), 'INVALID_CERTIFICATE', /chain\[0\]: not a DER X.509 certificate/);
  await rejectsCode(t, svc.addPreChain([precert, Buffer.from([0x30, 0x03, 1, 2, 3])]), 'INVALID_CERTIFICATE', /chain\[1\]/);
  await rejectsCode(t, svc.addPreChain([Buffer.concat([precert, Buffer.from([0])]), ca.inter]), 'INVALID_CERTIFICATE', /trailing bytes/);
  await rejectsCode(t, svc.addPreChain([await issuePrecert(other, leafFields()), ca.inter, ca.root]), 'INVALID_CHAIN', /chain\[0\]: not issued by chain\[1\]/);
  await rejectsCode(t, svc.addPreChain([await issuePrecert(other, leafFields()), other.inter, other.root]), 'UNKNOWN_ROOT', /accepted root/);
  await rejectsCode(t, svc.addPreChain([await issuePrecert(other, leafFields()), other.inter]), 'UNKNOWN_ROOT');
  await rejectsCode(t, svc.addPreChain([precert]), 'UNKNOWN_ROOT', /chain\[0\]: not issued by an accepted root/);
  const badSig = Buffer.from(precert);
  badSig[badSig.length - 10]! ^= 0xff; // inside the precert's signature value
  await rejectsCode(t, svc.addPreChain([badSig, ca.inter]), 'INVALID_CHAIN', /chain\[0\]: its signature does not verify/);
  const badInter = Buffer.from(ca.inter);
  badInter[badInter.length - 10]! ^= 0xff;
  await rejectsCode(t, svc.addPreChain([precert, badInter, ca.root]), 'INVALID_CHAIN', /chain\[1\]: its signature does not verify with the key of chain\[2\]/);
  // A leaf cannot issue.
  await rejectsCode(t, svc.addPreChain([precert, cert, ca.inter]), 'INVALID_CHAIN', /chain\[1\]: not a CA/);
  t.equal(svc.treeSize(), 0, 'nothing appended');
  t.ok(await svc.addPreChain([precert, ca.inter]), 'still serving');
  t.equal(svc.treeSize(), 1);
});
