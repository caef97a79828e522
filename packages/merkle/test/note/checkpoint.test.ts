import { createEphemeralSigner } from '@sigstack/core';
import t from 'tap';
import {
  createEcdsaNoteSigner,
  createEcdsaNoteVerifier,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  EMPTY_ROOT,
  formatCheckpointBody,
  parseCheckpointBody,
  signCheckpoint,
  verifyCheckpoint,
} from '../../src/index.js';

const root = Buffer.alloc(32, 0xab);

t.test('checkpoint body format', async (t) => {
  const body = formatCheckpointBody({ origin: 'rekor.example - 123', size: 42, rootHash: root });
  t.equal(body, `rekor.example - 123\n42\n${root.toString('base64')}\n`);
  const parsed = parseCheckpointBody(body);
  t.equal(parsed.origin, 'rekor.example - 123');
  t.equal(parsed.size, 42);
  t.ok(parsed.rootHash.equals(root));
  t.same(parsed.extensions, []);
  const ext = formatCheckpointBody({ origin: 'o', size: 0, rootHash: EMPTY_ROOT, extensions: ['Timestamp: 1'] });
  t.same(parseCheckpointBody(ext).extensions, ['Timestamp: 1'], 'old Rekor timestamp extension still parses');
  t.equal(parseCheckpointBody(`o\n${Number.MAX_SAFE_INTEGER}\n${root.toString('base64')}\n`).size, Number.MAX_SAFE_INTEGER);
});

t.test('checkpoint bodies are parsed strictly', async (t) => {
  const r = root.toString('base64');
  const bad: [string, string][] = [
    ['missing root', 'o\n1\n'],
    ['leading zero', `o\n01\n${r}\n`],
    ['negative', `o\n-1\n${r}\n`],
    ['plus sign', `o\n+1\n${r}\n`],
    ['too large', `o\n9007199254740992\n${r}\n`],
    ['hex root', `o\n1\n${root.toString('hex')}\n`],
    ['short root', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['empty origin', `\n1\n${r}\n`],
    ['empty extension', `o\n1\n${r}\n\n`],
    ['no final newline', `o\n1\n${r}`],
    ['size with space', `o\n 1\n${r}\n`],
  ];
  for (const [what, text] of bad) t.throws(() => parseCheckpointBody(text), { code: 'INVALID_NOTE' }, what);
  t.throws(() => formatCheckpointBody({ origin: 'a\nb', size: 1, rootHash: root }), { code: 'INVALID_NOTE' });
  t.throws(() => formatCheckpointBody({ origin: 'o', size: 1.5, rootHash: root }), { code: 'INVALID_NOTE' });
});

t.test('signed checkpoints round-trip with ECDSA and Ed25519 and reject tampering', async (t) => {
  const ec = createEphemeralSigner('ecdsa-p256-sha256');
  const ed = createEphemeralSigner('ed25519');
  for (const [signer, verifier] of [
    [createEcdsaNoteSigner('rekor.example', ec), createEcdsaNoteVerifier('rekor.example', ec.publicKey)],
    [createEd25519NoteSigner('log.example', ed), createEd25519NoteVerifier('log.example', ed.publicKey)],
  ] as const) {
    const origin = signer.name === 'rekor.example' ? 'rekor.example - 99' : 'log.example';
    const note = await signCheckpoint({ origin, size: 7, rootHash: root }, [signer]);
    const cp = verifyCheckpoint(note, [verifier], { origin });
    t.equal(cp.size, 7);
    t.ok(cp.rootHash.equals(root));
    t.throws(() => verifyCheckpoint(note, [verifier], { origin: 'other' }), { code: 'INVALID_NOTE' }, 'origin must match');
    t.throws(() => verifyCheckpoint(note.replace('\n7\n', '\n8\n'), [verifier]), { code: 'INVALID_NOTE' }, 'size changed');
    const otherRoot = Buffer.from(root);
    otherRoot[0] = 0;
    t.throws(
      () => verifyCheckpoint(note.replace(root.toString('base64'), otherRoot.toString('base64')), [verifier]),
      { code: 'INVALID_NOTE' },
      'root changed',
    );
  }
});
