// Issue 13: TSA and CA rotation inside the stack (stack/rotate-keys.ts): staged
// generations, the key history, the commit point, a start that finishes a staged
// rotation before serving, and refusals that change nothing.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openStack, resolveConfig, stageCaRotation, stageTsaRotation, activeGeneration, KEY_HISTORY_FILE, type Stack } from '../src/index.js';
import { nextGeneration, pendingGeneration } from '../src/stack/key-generations.js';
import { tempStack } from './fixtures.js';

const { stack, dataDir, cleanup } = await tempStack();
t.teardown(cleanup);
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

interface Root {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] }; validFor: { start: string; end?: string } }[];
  timestampAuthorities: { certChain: { certificates: { rawBytes: string }[] }; validFor: { start: string; end?: string } }[];
}
const trustedRoot = (s: Stack): Root => JSON.parse(readFileSync(join(s.trustDir, 'trusted_root.json'), 'utf8')) as Root;
const tsaLeaf = async (s: Stack) => new X509Certificate((await s.app.inject({ method: 'GET', url: '/api/v1/timestamp/certchain' })).body);

t.test('nothing staged: rotateKeys does nothing', async (t) => {
  t.same(await stack.rotateKeys(), []);
  t.notOk(existsSync(join(stack.trustDir, KEY_HISTORY_FILE)));
});

t.test('tsa: staged, adopted on rotateKeys; both leaves listed, the old one with an end', async (t) => {
  const before = await tsaLeaf(stack);
  const staged = await stageTsaRotation({ dataDir });
  t.equal(staged.generation, 1);
  t.equal(activeGeneration(join(dataDir, 'tsa')), 0, 'staging does not switch');
  t.same(await stack.rotateKeys(), [{ service: 'tsa', generation: 1, state: 'done' }]);
  t.equal(activeGeneration(join(dataDir, 'tsa')), 1);
  const after = await tsaLeaf(stack);
  t.not(after.fingerprint256, before.fingerprint256, 'the TSA serves the new leaf');
  t.equal(after.issuer, before.issuer, 'under the same root');
  const root = trustedRoot(stack);
  t.equal(root.timestampAuthorities.length, 2);
  const [old, cur] = root.timestampAuthorities;
  t.equal(old!.certChain.certificates[0]!.rawBytes, before.raw.toString('base64'), 'ordered by start: the old leaf first');
  t.ok(old!.validFor.end && Date.parse(old!.validFor.end) > Date.now() - 5000, 'the old leaf ends now (plus a margin)');
  t.equal(cur!.certChain.certificates[0]!.rawBytes, after.raw.toString('base64'));
  t.notOk(cur!.validFor.end);
  // A granted timestamp from the new leaf
  const r = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/timestamp',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ artifactHash: Buffer.alloc(32, 1).toString('base64'), hashAlgorithm: 'sha256', certificates: true }),
  });
  t.equal(r.statusCode, 200);
  t.ok(r.rawPayload.includes(after.raw), 'the token carries the new leaf');
});

t.test('ca: a staged intermediate, adopted; /api/v1/rootCert and the trust bundle follow', async (t) => {
  const rootCert = async () => (await stack.app.inject({ method: 'GET', url: '/api/v1/rootCert' })).body;
  const before = new X509Certificate(await rootCert());
  await stageCaRotation({ dataDir });
  t.same(await stack.rotateKeys(), [{ service: 'ca', generation: 1, state: 'done' }]);
  const after = new X509Certificate(await rootCert());
  t.not(after.fingerprint256, before.fingerprint256);
  t.equal(after.subject, before.subject, 'named as the first intermediate');
  const bundle = (await stack.app.inject({ method: 'GET', url: '/api/v2/trustBundle' })).json() as { chains: { certificates: string[] }[] };
  t.equal(new X509Certificate(bundle.chains[0]!.certificates[0]!).fingerprint256, after.fingerprint256);
  const cas = trustedRoot(stack).certificateAuthorities;
  t.equal(cas.length, 2);
  const old = cas.find((c) => c.certChain.certificates[0]!.rawBytes === before.raw.toString('base64'))!;
  // The old intermediate's leaves live certValiditySeconds (600 s) more.
  t.ok(Date.parse(old.validFor.end!) >= Date.now() + 590_000, 'the old CA ends after its last leaf');
});

t.test('refusals change nothing', async (t) => {
  await t.rejects(stageTsaRotation({ dataDir: join(dataDir, 'nowhere') }), /nothing to rotate/);
  await t.rejects(stageCaRotation({ dataDir, rootKey: join(dataDir, 'missing.pem') }), /is not there/);
  // A root key that is not the chain's root
  await t.rejects(stageCaRotation({ dataDir, rootKey: join(dataDir, 'tsa', 'keys', 'tsa-root.pem') }), /does not match the root certificate/);
  await stageTsaRotation({ dataDir });
  await t.rejects(stageTsaRotation({ dataDir }), /already staged/, 'one staged rotation at a time');
  t.equal(activeGeneration(join(dataDir, 'tsa')), 1);
  t.equal(trustedRoot(stack).timestampAuthorities.length, 2, 'staging alone lists nothing');
});

t.test('an unfinished attempt (no chain) is never opened and is taken up by the next staging', async (t) => {
  const base = join(dataDir, 'fulcio');
  mkdirSync(join(base, 'generations', '2', 'keys'), { recursive: true });
  t.equal(pendingGeneration(base, 'fulcio_chain.pem'), undefined);
  t.equal(nextGeneration(base, 'fulcio_chain.pem'), 2);
});

t.test('a restart opens the active generations and finishes the staged TSA rotation before it serves', async (t) => {
  const tsaBefore = await tsaLeaf(stack);
  await stack.close();
  const config = resolveConfig({ dataDir, port: 0, logLevel: 'warn' });
  const again = await openStack(config, { logStream: quiet() });
  t.teardown(() => again.close());
  await again.listen();
  t.equal(activeGeneration(join(dataDir, 'tsa')), 2, 'the staged TSA generation was adopted at start');
  t.not((await tsaLeaf(again)).fingerprint256, tsaBefore.fingerprint256);
  const root = trustedRoot(again);
  t.equal(root.timestampAuthorities.length, 3, 'three TSA leaves listed');
  t.equal(root.timestampAuthorities.filter((e) => !e.validFor.end).length, 1, 'one of them current');
  t.equal(root.certificateAuthorities.length, 2, 'the CA history survives the restart');
});

t.test('a corrupt active-generation file stops the start with its path', async (t) => {
  writeFileSync(join(dataDir, 'fulcio', 'active-generation'), 'two\n');
  const config = resolveConfig({ dataDir, port: 0, logLevel: 'warn' });
  await t.rejects(openStack(config, { logStream: quiet() }), /active-generation: "two" is not a generation number/);
  writeFileSync(join(dataDir, 'fulcio', 'active-generation'), '1\n');
});
