import { createPrivateKey, verify } from 'node:crypto';
import { createEphemeralSigner, FakeClock, FileSigner, sha256 } from '@sigstack/core';
import t from 'tap';
import {
  cosignatureTimestamp,
  createCosignatureV1Signer,
  createCosignatureV1Verifier,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  NOTE_SIG_TYPE_COSIGNATURE_V1,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyCheckpoint,
  verifyNote,
} from '../../src/index.js';

const BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

t.test('cosignature/v1: key ID, vkey, signed message and timestamp layout (c2sp.org/tlog-cosignature)', async (t) => {
  const key = createEphemeralSigner('ed25519');
  const raw = key.publicKeyDer.subarray(12);
  const clock = new FakeClock(1679315147_000);
  const s = createCosignatureV1Signer('witness.example/w1', key, clock);
  t.ok(s.keyId.equals(sha256(Buffer.from('witness.example/w1\n\x04', 'latin1'), raw)), 'SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)');
  t.equal(s.verifierKey, `witness.example/w1+${s.keyHint.toString('hex')}+${Buffer.concat([Buffer.from([4]), raw]).toString('base64')}`);
  const sig = await s.sign(Buffer.from(BODY));
  t.equal(sig.length, 72, '8-byte timestamp ‖ 64-byte signature');
  t.equal(sig.readBigUInt64BE(0), 1679315147n, 'big-endian seconds');
  t.equal(cosignatureTimestamp(sig), 1679315147);
  // The signed message is spelled out by the spec: header, time line, then the body.
  const msg = Buffer.from(`cosignature/v1\ntime 1679315147\n${BODY}`);
  t.ok(verify(null, msg, key.publicKey, sig.subarray(8)), 'Ed25519 over "cosignature/v1\\ntime <t>\\n" ‖ body');
  t.equal(NOTE_SIG_TYPE_COSIGNATURE_V1, 4);
});

t.test('cosignature timestamp of the transparency-dev/formats vector', async (t) => {
  // note/note_cosigv1_test.go TestCoSigV1Timestamp "works": key hint ‖ timestamp ‖ signature.
  const raw = Buffer.from('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==', 'base64');
  t.equal(cosignatureTimestamp(raw.subarray(4)), 1727964367);
  t.equal(cosignatureTimestamp(Buffer.alloc(64)), undefined, 'a plain Ed25519 signature is not a cosignature');
  t.equal(cosignatureTimestamp(Buffer.alloc(72)), undefined, 'time zero is refused (tlog-witness)');
  const far = Buffer.alloc(72);
  far.writeBigUInt64BE(2n ** 63n);
  t.equal(cosignatureTimestamp(far), undefined, 'beyond 2^63 − 1');
});

t.test('a cosigned checkpoint: log signature plus witness lines; each verifier sees its own', async (t) => {
  const logKey = createEphemeralSigner('ed25519');
  const logSigner = createEd25519NoteSigner('example.com/behind-the-sofa', logKey);
  const w1 = createCosignatureV1Signer('witness.example/w1', createEphemeralSigner('ed25519'));
  const w2 = createCosignatureV1Signer('witness.example/w2', createEphemeralSigner('ed25519'));
  const note = await signNote(BODY, [logSigner, w1, w2]);
  t.equal(parseNote(note).signatures.length, 3);
  const v1 = parseVerifierKey(w1.verifierKey);
  t.equal(v1.keyHint.toString('hex'), w1.keyHint.toString('hex'), 'vkey type 0x04 parses to a cosignature verifier');
  t.same(verifyNote(note, [v1]).verified.map((s) => s.name), ['witness.example/w1'], 'the log line and w2 are unknown: ignored');
  const cp = verifyCheckpoint(note, [createEd25519NoteVerifier('example.com/behind-the-sofa', logKey.publicKey)], { origin: 'example.com/behind-the-sofa' });
  t.equal(cp.size, 20852163, 'the log verifier ignores cosignature lines');
  // The same key under type 0x01 and 0x04 has different key IDs: an Ed25519 note
  // verifier never mistakes a cosignature for a log signature.
  const same = createEphemeralSigner('ed25519');
  t.notSame(createEd25519NoteSigner('n', same).keyHint, createCosignatureV1Signer('n', same).keyHint);
});

t.test('a cosignature over another body, by another key, or with a changed timestamp fails', async (t) => {
  const key = createEphemeralSigner('ed25519');
  const s = createCosignatureV1Signer('w', key);
  const v = createCosignatureV1Verifier('w', key.publicKey);
  const sig = await s.sign(Buffer.from(BODY));
  t.ok(v.verify(Buffer.from(BODY), sig));
  t.notOk(v.verify(Buffer.from(BODY.replace('20852163', '20852164')), sig), 'other body');
  const moved = Buffer.from(sig);
  moved.writeBigUInt64BE(sig.readBigUInt64BE(0) + 1n);
  t.notOk(v.verify(Buffer.from(BODY), moved), 'the timestamp is signed');
  t.notOk(createCosignatureV1Verifier('w', createEphemeralSigner('ed25519').publicKey).verify(Buffer.from(BODY), sig), 'other key');
  t.notOk(v.verify(Buffer.from(BODY), sig.subarray(0, 71)), 'truncated');
  t.ok(createCosignatureV1Verifier('w', key.publicKeyDer.subarray(12)).verify(Buffer.from(BODY), sig), 'raw 32-byte key');
  t.throws(() => createCosignatureV1Signer('w', createEphemeralSigner('ecdsa-p256-sha256')), { code: 'INVALID_OPTIONS' });
  t.throws(() => createCosignatureV1Signer('bad name', key), { code: 'INVALID_OPTIONS' });
});

t.test('the sumdb/note example key as a cosigner (deterministic Ed25519)', async (t) => {
  const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64');
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed.subarray(1)]), format: 'der', type: 'pkcs8' });
  const s = createCosignatureV1Signer('PeterNeumann', new FileSigner(key), new FakeClock(1_700_000_000_000));
  const a = await s.sign(Buffer.from(BODY));
  const b = await s.sign(Buffer.from(BODY));
  t.ok(a.equals(b), 'same time, same body: same bytes');
  t.not(s.keyHint.toString('hex'), 'c74f20a3', 'type 0x04 key ID differs from the 0x01 one');
});

t.test('an ECDSA log signer states its C2SP vkey (type 0x02), which a witness configures', async (t) => {
  const { createEcdsaNoteSigner } = await import('../../src/index.js');
  const key = createEphemeralSigner('ecdsa-p256-sha256');
  const s = createEcdsaNoteSigner('rekor.example', key);
  const v = parseVerifierKey(s.verifierKey);
  t.equal(v.keyHint.toString('hex'), s.keyHint.toString('hex'));
  const note = await signNote('rekor.example - 1\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n', [s]);
  t.equal(verifyNote(note, [v]).verified.length, 1);
});
