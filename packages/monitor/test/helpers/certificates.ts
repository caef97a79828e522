// Test certificates made by OpenSSL (an independent encoder): a Fulcio-like leaf with an
// email or URI SAN and the OIDC issuer extension (1.3.6.1.4.1.57264.1.8, UTF8String).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromPem } from '@sigstack/core';

export interface TestCertificate {
  der: Buffer;
  pem: string;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
}

/** `extra`: more `-addext` values (e.g. `1.3.6.1.4.1.57264.1.18=ASN1:UTF8String:…`, or `…=DER:<hex>` for raw bytes). */
export function makeCertificate(san: string, issuer?: string, extra: string[] = []): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-cert-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/O=sigstore.dev', '-days', '1', '-addext', `subjectAltName=${san}`];
    if (issuer !== undefined) args.push('-addext', `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`);
    for (const e of extra) args.push('-addext', e);
    execFileSync('openssl', args, { stdio: 'ignore' });
    const pem = readFileSync(join(dir, 'c.pem'), 'utf8');
    const spkiPem = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-pubkey', '-noout']).toString();
    return { der: fromPem(pem)[0]!.der, pem, spki: fromPem(spkiPem)[0]!.der };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Rekor v1 hashedrekord body signed with `cert` (publicKey.content = base64 PEM), as the log stores it. */
export function hashedRekordBody(cert: TestCertificate | { pem: string }): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: 'ab'.repeat(32) } },
        signature: { content: 'MEUCIQ==', publicKey: { content: Buffer.from(cert.pem).toString('base64') } },
      },
    }),
  );
}

/** A Rekor v2 hashedrekord 0.0.2 leaf with the certificate as base64 DER. */
export function rekorV2Body(cert: TestCertificate): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: { hashedRekordV002: { data: { algorithm: 'SHA2_256', digest: 'q80=' }, signature: { content: 'MEUCIQ==', verifier: { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: { rawBytes: cert.der.toString('base64') } } } } },
    }),
  );
}

/** An RFC 6962 MerkleTreeLeaf: x509_entry with the certificate. */
export function ctX509Leaf(cert: TestCertificate): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64BE(1_700_000_000_000n, 2);
  const len = Buffer.alloc(3);
  len.writeUIntBE(cert.der.length, 0, 3);
  return Buffer.concat([head, len, cert.der, Buffer.alloc(2)]);
}
