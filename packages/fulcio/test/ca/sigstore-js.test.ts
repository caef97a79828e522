// The real verifier of sigstore-js (@sigstore/verify, as `sigstore verify` runs it):
// chain path building against our trusted_root.json entry and embedded-SCT
// verification against the CT log key, for each SAN kind and both CA algorithms.
import t from 'tap';
import { createRequire } from 'node:module';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { clientKey, EMAIL_PRINCIPAL, tempService, URI_PRINCIPAL, USERNAME_PRINCIPAL } from './helpers.js';

// @sigstore/verify's own dependencies (not ours): its key verifier and its X509 parser.
const require = createRequire(require_resolve('@sigstore/verify'));
function require_resolve(id: string): string {
  return createRequire(import.meta.url).resolve(id);
}
const { verifyCertificate } = require('./key/index.js') as {
  verifyCertificate(leaf: unknown, timestamps: Date[], trust: unknown): { scts: Buffer[]; signer: { identity: { subjectAlternativeName?: string; extensions: { issuer?: string } } } };
};
const { X509Certificate } = require('@sigstore/core') as { X509Certificate: { parse(der: Buffer): unknown } };

for (const algorithm of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384'] as const) {
  t.test(`sigstore-js verifies chain and SCT (${algorithm} CA)`, async (t) => {
    const s = await tempService({ algorithm });
    t.teardown(s.cleanup);
    const start = new Date(s.clock.now() - 60_000).toISOString();
    const trustedRoot = TrustedRoot.fromJSON({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [s.ca.trustedRootEntry('https://fulcio.example.com')],
      ctlogs: [
        {
          baseUrl: 'https://ct.example.com/test',
          hashAlgorithm: 'SHA2_256',
          publicKey: { rawBytes: s.ctLog.publicKeyDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
          logId: { keyId: s.ctLog.logId.toString('base64') },
        },
      ],
      timestampAuthorities: [],
    });
    const trust = toTrustMaterial(trustedRoot);
    // The same log id with another key: a verifier that really checks the SCT signature must refuse.
    const wrongKey = clientKey('p256').der.toString('base64');
    const forged = TrustedRoot.fromJSON({ ...TrustedRoot.toJSON(trustedRoot) as object, ctlogs: [{ ...(TrustedRoot.toJSON(trustedRoot) as { ctlogs: { publicKey: object }[] }).ctlogs[0]!, publicKey: { rawBytes: wrongKey, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } } }] });
    const forgedTrust = toTrustMaterial(forged);
    for (const [token, principal] of [['email', EMAIL_PRINCIPAL], ['uri', URI_PRINCIPAL], ['username', USERNAME_PRINCIPAL]] as const) {
      const key = clientKey('p256');
      const cert = await s.fulcio.createSigningCertificate({ token, key: { kind: 'publicKey', publicKey: key.pem, proofOfPossession: key.sign(principal.challenge) } });
      const leaf = X509Certificate.parse(cert.chainDer[0]!);
      const at = new Date(s.clock.now() + 60_000);
      const result = verifyCertificate(leaf, [at], trust);
      t.equal(result.scts.length, 1, `${token}: one verified SCT`);
      t.equal(result.signer.identity.extensions.issuer, principal.issuer, `${token}: issuer read from 1.8`);
      if (principal.san.type !== 'otherName') t.equal(result.signer.identity.subjectAlternativeName, principal.san.value, `${token}: SAN`);
      t.throws(() => verifyCertificate(leaf, [new Date(s.clock.now() + 11 * 60_000)], trust), `${token}: not valid 11 minutes later`);
      t.throws(() => verifyCertificate(leaf, [at], forgedTrust), `${token}: SCT refused under another CT key`);
    }
  });
}
