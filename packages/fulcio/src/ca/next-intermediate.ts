import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, OID, toPem, writeFileOnce, type Signer } from '@sigstack/core';
import { issueCertificate, type DistinguishedName } from '@sigstack/x509';
import { FulcioError } from '../errors.js';
import { CertificateAuthority } from './certificate-authority.js';
import { CA_CHAIN_FILE, CA_INTERMEDIATE_KEY_FILE, CA_VALIDITY_DAYS, type CaAlgorithm } from './open-certificate-authority.js';

const DAY = 86_400_000;

/**
 * A rotation's new intermediate under the root the clients already trust: a new key
 * in `<dir>/keys/fulcio-intermediate.pem` and `<dir>/fulcio_chain.pem` = [new
 * intermediate, root], the layout openCertificateAuthority opens. Same profile as
 * the first intermediate (issueCaHierarchy), from `nowMs` (its trusted_root.json
 * `validFor.start`) to the root's end at the latest.
 *
 * `dir` is the rotation's own directory: its key is made here (a key left by an
 * unfinished attempt is taken up), and the chain is written last, once: a directory
 * without a chain is an unfinished rotation that nothing opens.
 */
export async function issueNextIntermediate(o: {
  dir: string;
  rootSigner: Signer;
  rootCertificate: Buffer;
  subject: DistinguishedName;
  algorithm: CaAlgorithm;
  nowMs: number;
}): Promise<CertificateAuthority> {
  const root = new X509Certificate(o.rootCertificate);
  if (!root.publicKey.export({ type: 'spki', format: 'der' }).equals(o.rootSigner.publicKeyDer))
    throw new FulcioError('CA_CHAIN_INVALID', 'the root key does not match the root certificate of the CA chain');
  mkdirSync(join(o.dir, 'keys'), { recursive: true, mode: 0o700 });
  const signer = FileSigner.open({ path: join(o.dir, CA_INTERMEDIATE_KEY_FILE), create: true, algorithm: o.algorithm });
  const start = Math.floor(o.nowMs / 1000) * 1000;
  const intermediate = await issueCertificate({
    subject: o.subject,
    publicKeyDer: signer.publicKeyDer,
    signer: o.rootSigner,
    issuerCertificate: o.rootCertificate,
    notBefore: new Date(start),
    notAfter: new Date(Math.min(start + CA_VALIDITY_DAYS * DAY, Date.parse(root.validTo))),
    basicConstraints: { ca: true, pathLength: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
    extendedKeyUsage: { purposes: [OID.codeSigning], critical: false },
  });
  // Checked before it is written: a chain on disk is one the stack will serve.
  const ca = new CertificateAuthority({ signer, chain: [intermediate, o.rootCertificate], rootKeyDer: o.rootSigner.publicKeyDer });
  writeFileOnce(join(o.dir, CA_CHAIN_FILE), ca.chainPem.join(''), { mode: 0o644 });
  return ca;
}
