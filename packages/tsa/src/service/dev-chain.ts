import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, OID, readCertificateParts, toPem, writeFileOnce, type Clock, type Signer } from '@sigstack/core';
import { issueCertificate, readCertificatePemFile, type DistinguishedName } from '@sigstack/x509';
import { TsaError } from '../errors.js';
import { verifyTsaChain } from '../x509/tsa-chain.js';

/** File name of the chain PEM (leaf first) inside the TSA directory. */
export const TSA_CHAIN_FILE = 'tsa_chain.pem';
/** Key files inside the TSA directory. */
export const TSA_ROOT_KEY_FILE = join('keys', 'tsa-root.pem');
export const TSA_LEAF_KEY_FILE = join('keys', 'tsa-leaf.pem');

/** Subject of the development root. */
export const DEV_ROOT_SUBJECT: Readonly<DistinguishedName> = { organization: 'sigstack', commonName: 'sigstack TSA root' };
/** Subject of the development leaf; it is also the TSTInfo `tsa` name. */
export const DEV_LEAF_SUBJECT: Readonly<DistinguishedName> = { organization: 'sigstack', commonName: 'sigstack TSA' };
/** Validity of the development root: 20 years, so it outlives the leaf. */
export const DEV_ROOT_VALIDITY_DAYS = 20 * 365;
/** Validity of the development leaf: 10 years, like the public-good TSA leaf. */
export const DEV_LEAF_VALIDITY_DAYS = 10 * 365;

const DAY = 86_400_000;

export interface DevChain {
  signer: Signer;
  /** DER, leaf first. */
  chain: Buffer[];
}

/**
 * Opens the development TSA chain in `dir`, creating it on first use:
 *
 *   <dir>/keys/tsa-root.pem   root key (ECDSA P-256, FileSigner, mode 0600)
 *   <dir>/keys/tsa-leaf.pem   leaf (signing) key
 *   <dir>/tsa_chain.pem       leaf certificate, then root certificate (PEM)
 *
 * Root: self-signed CA, BasicConstraints cA (critical, pathLen 0), KeyUsage
 * keyCertSign + cRLSign. Leaf: not a CA, KeyUsage digitalSignature, ExtendedKeyUsage
 * id-kp-timeStamping only, critical (protocols.md §8.4). Both start at the clock's
 * current second.
 *
 * On restart the existing chain is re-read and must still match both keys and the
 * TSA profile; a mismatch (e.g. a key file deleted, so a new key was generated) is
 * an error, not a silent re-issue, because clients trust the old chain.
 */
export async function openDevChain(opts: {
  dir: string;
  clock: Clock;
  create?: boolean;
  /** The leaf (signing) key when it is not keys/tsa-leaf.pem: a key on an HSM. A generated chain certifies it. */
  leafSigner?: Signer;
}): Promise<DevChain> {
  const create = opts.create ?? true;
  const chainPath = join(opts.dir, TSA_CHAIN_FILE);
  const chainExists = existsSync(chainPath);
  // Production (create: false) never generates: the chain is made once (`sigstack tsa
  // init`) and its root key may then live offline.
  if (!chainExists && !create) throw new TsaError('INVALID_CHAIN', `${chainPath} does not exist: create the TSA chain first (sigstack tsa init --dir ${opts.dir})`);
  if (create) mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const rootKeyPath = join(opts.dir, TSA_ROOT_KEY_FILE);
  const rootSigner =
    !chainExists || existsSync(rootKeyPath) ? FileSigner.open({ path: rootKeyPath, create: create && !chainExists, algorithm: 'ecdsa-p256-sha256' }) : undefined;
  const leafSigner = opts.leafSigner ?? FileSigner.open({ path: join(opts.dir, TSA_LEAF_KEY_FILE), create: create && !chainExists, algorithm: 'ecdsa-p256-sha256' });

  if (!chainExists) {
    const chain = await issueDevChain(rootSigner!, leafSigner, opts.clock.now());
    // Complete or absent, never over a racing process's chain. A crash before the file
    // is linked into place leaves none, and the next start issues a new chain over the
    // same keys; after, the chain is complete and is re-read below.
    writeFileOnce(chainPath, chain.map((c) => toPem('CERTIFICATE', c)).join(''), { mode: 0o644 });
  }
  // Read back what is on disk: if another process won the race to create it, its
  // chain (over the same keys) is the one to serve.
  const chain = readChain(chainPath);
  verifyTsaChain(chain, leafSigner);
  if (rootSigner && !readCertificateParts(chain[chain.length - 1]!).spki.equals(rootSigner.publicKeyDer))
    throw new TsaError('INVALID_CHAIN', `${chainPath}: the root certificate does not match ${TSA_ROOT_KEY_FILE}`);
  return { signer: leafSigner, chain };
}

/** Issues a development root and a TSA leaf; returns [leaf, root] DER. */
export async function issueDevChain(rootSigner: Signer, leafSigner: Signer, nowMs: number): Promise<Buffer[]> {
  const start = Math.floor(nowMs / 1000) * 1000;
  const root = await issueCertificate({
    subject: DEV_ROOT_SUBJECT,
    publicKeyDer: rootSigner.publicKeyDer,
    signer: rootSigner,
    notBefore: new Date(start),
    notAfter: new Date(start + DEV_ROOT_VALIDITY_DAYS * DAY),
    basicConstraints: { ca: true, pathLength: 0 },
  });
  const leaf = await issueCertificate({
    subject: DEV_LEAF_SUBJECT,
    publicKeyDer: leafSigner.publicKeyDer,
    signer: rootSigner,
    issuerCertificate: root,
    notBefore: new Date(start),
    notAfter: new Date(start + DEV_LEAF_VALIDITY_DAYS * DAY),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: { purposes: [OID.timeStamping], critical: true },
  });
  return [leaf, root];
}

/** Reads a PEM chain file: CERTIFICATE blocks, leaf first. Any failure is an INVALID_CHAIN TsaError. */
export function readChain(path: string): Buffer[] {
  try {
    return readCertificatePemFile(path);
  } catch (cause) {
    throw new TsaError('INVALID_CHAIN', (cause as Error).message, { cause });
  }
}
