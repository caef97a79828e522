// cosign 2.5 attest-blob / verify-blob-attestation against the transparency log.
// cosign 2.5 submits a dsse 0.0.1 entry by default and an intoto 0.0.1 entry with
// --rekor-entry-type intoto; without a bundle, verification searches the log with
// both proposed kinds at once (protocols.md §6.3, §6.9; cosign pkg/cosign/tlog.go).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { logIdOf, readLegacyBundle } from './lib/bundles.js';
import { getEntry } from './lib/rekor-api.js';

t.setTimeout(240_000);

const stack = await startTestStack(t);
const dir = tempDir(t);
const cosign = peer('cosign2');
const env = clientEnv(dir, { SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
const keys = await generateCosignKeyPair(cosign, dir, env);
const logID = logIdOf(stack.rekorPub);

const artifact = join(dir, 'release.tar');
writeFileSync(artifact, `release contents ${Date.now()}\n`);
const tampered = join(dir, 'tampered.tar');
writeFileSync(tampered, 'different contents\n');
const predicate = join(dir, 'predicate.json');
writeFileSync(predicate, JSON.stringify({ builder: 'sigstack interop test', buildId: String(Date.now()) }));

for (const entryType of ['dsse', 'intoto'] as const) {
  t.test(`attest-blob --rekor-entry-type ${entryType}`, async (t) => {
    const bundle = join(dir, `att-${entryType}.bundle`);
    const envelope = join(dir, `att-${entryType}.dsse.json`);
    await runClientOk(
      cosign,
      ['attest-blob', '--key', keys.key, '--rekor-url', stack.url, '--rekor-entry-type', entryType, '--predicate', predicate, '--type', 'custom', '--bundle', bundle, '--output-signature', envelope, '--yes', artifact],
      { env },
    );
    const b = readLegacyBundle(bundle);
    t.equal(b.kind, entryType, `cosign 2.5 submitted a ${entryType} entry`);
    t.equal(b.apiVersion, '0.0.1');
    t.equal(b.logID, logID);
    const [id] = await getEntry(stack.url, b.uuid);
    t.equal(id.slice(16), b.uuid, 'the log serves it under the leaf hash of its body');

    t.test('verify-blob-attestation with the bundle', async (t) => {
      const r = await runClientOk(cosign, ['verify-blob-attestation', '--key', keys.pub, '--bundle', bundle, '--rekor-url', stack.url, '--type', 'custom', artifact], { env });
      t.match(r.stderr, /Verified OK/);
    });

    t.test('verify-blob-attestation with the bundle, --offline', async (t) => {
      const r = await runClientOk(cosign, ['verify-blob-attestation', '--key', keys.pub, '--bundle', bundle, '--offline', '--type', 'custom', artifact], { env });
      t.match(r.stderr, /Verified OK/);
    });

    t.test('verify-blob-attestation with only the envelope: online search (dsse + intoto proposed entries)', async (t) => {
      const r = await runClientOk(cosign, ['verify-blob-attestation', '--key', keys.pub, '--signature', envelope, '--rekor-url', stack.url, '--type', 'custom', artifact], { env });
      t.match(r.stderr, /Verified OK/);
    });

    t.test('a tampered artifact is refused', async (t) => {
      const r = await runClientFails(cosign, ['verify-blob-attestation', '--key', keys.pub, '--bundle', bundle, '--rekor-url', stack.url, '--type', 'custom', tampered], { env });
      t.notMatch(r.stderr, /Verified OK/);
    });
  });
}
