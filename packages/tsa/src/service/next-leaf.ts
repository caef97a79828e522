import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, OID, toPem, writeFileOnce, type Signer } from '@sigstack/core';
import { issueCertificate } from '@sigstack/x509';
import { TsaError } from '../errors.js';
import { verifyTsaChain } from '../x509/tsa-chain.js';
import { DEV_LEAF_SUBJECT, DEV_LEAF_VALIDITY_DAYS, TSA_CHAIN_FILE, TSA_LEAF_KEY_FILE, type DevChain } from './dev-chain.js';

const DAY = 86_400_000;

/**
 * A rotation's new TSA leaf, under the root the clients already trust: a new key in
 * `<dir>/keys/tsa-leaf.pem` and `<dir>/tsa_chain.pem` = [new leaf, root], the same
 * layout as the first chain (dev-chain.ts), so the directory opens like any other.
 * The leaf starts at `nowMs` (its trusted_root.json `validFor.start`) and ends with
 * the root at the latest (a verifier checks the chain at genTime).
 *
 * `dir` is a rotation's own directory: its key is made here (a key left there by an
 * unfinished attempt is taken up), and the chain is written last, once, so a
 * directory without a chain is an unfinished rotation that nothing opens.
 */
export async function issueNextLeaf(o: { dir: string; rootSigner: Signer; rootCertificate: Buffer; nowMs: number }): Promise<DevChain> {
  const root = new X509Certificate(o.rootCertificate);
  if (!root.publicKey.export({ type: 'spki', format: 'der' }).equals(o.rootSigner.publicKeyDer))
    throw new TsaError('INVALID_CHAIN', 'the root key does not match the root certificate of the TSA chain');
  mkdirSync(join(o.dir, 'keys'), { recursive: true, mode: 0o700 });
  const leafSigner = FileSigner.open({ path: join(o.dir, TSA_LEAF_KEY_FILE), create: true, algorithm: 'ecdsa-p256-sha256' });
  const start = Math.floor(o.nowMs / 1000) * 1000;
  const leaf = await issueCertificate({
    subject: DEV_LEAF_SUBJECT,
    publicKeyDer: leafSigner.publicKeyDer,
    signer: o.rootSigner,
    issuerCertificate: o.rootCertificate,
    notBefore: new Date(start),
    notAfter: new Date(Math.min(start + DEV_LEAF_VALIDITY_DAYS * DAY, Date.parse(root.validTo))),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: { purposes: [OID.timeStamping], critical: true },
  });
  const chain = [leaf, o.rootCertificate];
  verifyTsaChain(chain, leafSigner);
  writeFileOnce(join(o.dir, TSA_CHAIN_FILE), chain.map((c) => toPem('CERTIFICATE', c)).join(''), { mode: 0o644 });
  return { signer: leafSigner, chain };
}
