import { createPrivateKey } from 'node:crypto';
import { createEphemeralSigner, FileSigner, sha256 } from '@sigstack/core';
import t from 'tap';
import {
  createEcdsaNoteSigner,
  createEcdsaNoteVerifier,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  formatNote,
  MAX_NOTE_SIGNATURES,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
  type NoteSigner,
} from '../../src/index.js';

// The example of c2sp.org/signed-note (C2SP/C2SP signed-note.md, "Verifier keys"):
// verifier key and the note it signs. Cross-checked in several independent
// implementations' test suites.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n' +
  '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// The example of golang.org/x/mod/sumdb/note's documentation: a private key and the
// note it produces. Ed25519 is deterministic, so our signer must reproduce it byte
// for byte.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

t.test('C2SP signed-note example vector verifies', async (t) => {
  const v = parseVerifierKey(SPEC_VKEY);
  t.equal(v.name, 'example.com/foo');
  t.equal(v.keyHint.toString('hex'), '530d903a', 'key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]');
  const note = verifyNote(SPEC_NOTE, [v]);
  t.equal(note.text, 'This is an example message.\n');
  t.equal(note.verified.length, 1);
  t.throws(() => verifyNote(SPEC_NOTE.replace('example message', 'example massage'), [v]), { code: 'INVALID_NOTE' });
  t.throws(() => parseVerifierKey(SPEC_VKEY.replace('530d903a', '530d903b')), { code: 'INVALID_NOTE' }, 'hint must match the key');
});

t.test('Ed25519 signing reproduces the sumdb/note example', async (t) => {
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64');
  t.equal(seed[0], 1);
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed.subarray(1)]), format: 'der', type: 'pkcs8' });
  const signer = createEd25519NoteSigner('PeterNeumann', new FileSigner(key));
  t.equal(signer.keyHint.toString('hex'), 'c74f20a3');
  t.equal(await signNote(GO_TEXT, [signer]), GO_NOTE);
  const v = parseVerifierKey(signer.verifierKey);
  t.equal(verifyNote(GO_NOTE, [v]).text, GO_TEXT);
});

t.test('ECDSA (Rekor v1 style) round trip and key hint', async (t) => {
  const key = createEphemeralSigner('ecdsa-p256-sha256');
  const signer = createEcdsaNoteSigner('rekor.example', key);
  t.ok(signer.keyId.equals(sha256(key.publicKeyDer)), 'key ID = SHA-256(SPKI), no name');
  t.ok(signer.keyHint.equals(signer.keyId.subarray(0, 4)));
  const note = await signNote('rekor.example - 1\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n', [signer]);
  const v = createEcdsaNoteVerifier('rekor.example', key.publicKeyDer);
  t.equal(verifyNote(note, [v]).verified.length, 1);
  const sig = parseNote(note).signatures[0]!;
  t.equal(sig.signature[0], 0x30, 'ASN.1 DER signature');
  t.throws(() => createEcdsaNoteSigner('x', createEphemeralSigner('ed25519')), { code: 'INVALID_OPTIONS' });
  const p384 = createEphemeralSigner('ecdsa-p384-sha384');
  const n384 = await signNote('a\n', [createEcdsaNoteSigner('k', p384)]);
  t.ok(verifyNote(n384, [createEcdsaNoteVerifier('k', p384.publicKey)]));
});

t.test('Ed25519 (C2SP) round trip', async (t) => {
  const key = createEphemeralSigner('ed25519');
  const signer = createEd25519NoteSigner('log.example', key);
  const note = await signNote('hello\n', [signer]);
  t.equal(parseNote(note).signatures[0]!.signature.length, 64);
  t.ok(verifyNote(note, [createEd25519NoteVerifier('log.example', key.publicKey)]));
  t.ok(verifyNote(note, [createEd25519NoteVerifier('log.example', key.publicKeyDer.subarray(12))]), 'raw 32-byte key');
  t.ok(verifyNote(note, [parseVerifierKey(signer.verifierKey)]));
  t.throws(() => createEd25519NoteSigner('x', createEphemeralSigner('ecdsa-p256-sha256')), { code: 'INVALID_OPTIONS' });
});

t.test('tampering, unknown and wrong keys are rejected', async (t) => {
  const a = createEphemeralSigner('ed25519');
  const b = createEphemeralSigner('ed25519');
  const sa = createEd25519NoteSigner('a.example', a);
  const sb = createEd25519NoteSigner('b.example', b);
  const va = createEd25519NoteVerifier('a.example', a.publicKey);
  const vb = createEd25519NoteVerifier('b.example', b.publicKey);
  const text = 'origin\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const both = await signNote(text, [sa, sb]);
  t.equal(verifyNote(both, [va]).verified.length, 1, 'unknown signatures are ignored');
  t.equal(verifyNote(both, [va, vb]).verified.length, 2);
  t.throws(() => verifyNote(both, []), { code: 'INVALID_NOTE' }, 'no known key');
  t.throws(() => verifyNote(both.replace('\n3\n', '\n4\n'), [va]), { code: 'INVALID_NOTE' }, 'text changed');
  // A known key's bad signature rejects the whole note, even if another verifies.
  const lines = both.split('\n');
  const sigB = Buffer.from(lines[lines.length - 2]!.split(' ')[2]!, 'base64');
  sigB[10]! ^= 1;
  lines[lines.length - 2] = `— b.example ${sigB.toString('base64')}`;
  t.throws(() => verifyNote(lines.join('\n'), [va, vb]), { code: 'INVALID_NOTE' }, 'one bad known signature');
  // Same name, other key (hint differs): ignored, so nothing verifies.
  const imposter = createEd25519NoteVerifier('a.example', b.publicKey);
  const byA = await signNote(text, [sa]);
  t.throws(() => verifyNote(byA, [imposter]), { code: 'INVALID_NOTE' });
  // Right hint, wrong name: ignored.
  const renamed = (await signNote(text, [sa])).replace('— a.example', '— c.example');
  t.throws(() => verifyNote(renamed, [va]), { code: 'INVALID_NOTE' });
});

t.test('parsing is strict', async (t) => {
  const good = SPEC_NOTE;
  const sigLine = good.split('\n\n')[1]!.trimEnd();
  const bad: [string, string][] = [
    ['no blank line', 'text\n' + sigLine + '\n'],
    ['no signature', 'text\n\n'],
    ['no final newline', good.slice(0, -1)],
    ['no em dash', good.replace('—', '-')],
    ['empty name', good.replace('— example.com/foo', '— ')],
    ['name with +', good.replace('example.com/foo', 'example.com+foo')],
    ['two spaces', good.replace('example.com/foo ', 'example.com/foo  ')],
    ['not base64', good.replace('Uw2Q', 'Uw!Q')],
    ['base64 without padding', good.replace('aQM=', 'aQM')],
    ['signature too short', 'text\n\n— k AAAA\n'],
    ['control character', good.replace('This', 'Th\tis')],
    ['carriage return', good.replace('message.\n', 'message.\r\n')],
    ['trailing blank line', 'text\n\n' + sigLine + '\n\n'],
  ];
  for (const [what, note] of bad) t.throws(() => parseNote(note), { code: 'INVALID_NOTE' }, what);
  t.throws(() => parseNote(Buffer.from([0x61, 0x0a, 0x0a, 0xff, 0x0a])), { code: 'INVALID_NOTE' }, 'invalid UTF-8');
  const many = 'text\n\n' + `${sigLine}\n`.repeat(MAX_NOTE_SIGNATURES + 1);
  t.throws(() => parseNote(many), { code: 'INVALID_NOTE' }, 'too many signatures');
  t.throws(() => parseNote('a\n\n' + 'x'.repeat(300 * 1024)), { code: 'INVALID_NOTE' }, 'too large');
  t.equal(parseNote('text\n\n' + `${sigLine}\n`.repeat(16)).signatures.length, 16, 'accepts 16 signatures');
  // The text may contain blank lines: the last blank line separates the signatures.
  const withBlank = parseNote('a\n\nb\n\n' + sigLine + '\n');
  t.equal(withBlank.text, 'a\n\nb\n');
  t.equal(formatNote(withBlank), 'a\n\nb\n\n' + sigLine + '\n');
  const s: NoteSigner = { name: 'bad name', keyHint: Buffer.alloc(4), keyId: Buffer.alloc(32), sign: async () => Buffer.alloc(1) };
  await t.rejects(signNote('x\n', [s]), { code: 'INVALID_NOTE' });
  await t.rejects(signNote('no newline', []), { code: 'INVALID_NOTE' });
});
