import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, isSigstackError, OID, systemClock, toPem, writeFileOnce, type Clock, type Signer } from '@sigstack/core';
import { issueCertificate, readCertificatePemFile } from '@sigstack/x509';
import { FulcioError } from '../errors.js';
import { CertificateAuthority } from './certificate-authority.js';

/** Chain file (intermediate first, root last, PEM) inside the CA directory. */
export const CA_CHAIN_FILE = 'fulcio_chain.pem';
/** Key files inside the CA directory. */
export const CA_ROOT_KEY_FILE = join('keys', 'fulcio-root.pem');
export const CA_INTERMEDIATE_KEY_FILE = join('keys', 'fulcio-intermediate.pem');
/** Subject of a generated root; the intermediate gets the same organization and `<commonName>-intermediate`. */
export const DEFAULT_CA_SUBJECT: Readonly<{ organization: string; commonName: string }> = { organization: 'sigstack', commonName: 'sigstack' };
/** Validity of a generated root and intermediate: 10 years, like the public-good chain. */
export const CA_VALIDITY_DAYS = 10 * 365;

const DAY = 86_400_000;

export type CaAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384';

export interface OpenCertificateAuthorityOptions {
  /**
   *   <dir>/keys/fulcio-root.pem          root key (mode 0600; may be absent once the chain exists: keep it offline)
   *   <dir>/keys/fulcio-intermediate.pem  intermediate (issuing) key
   *   <dir>/fulcio_chain.pem              intermediate certificate, then root certificate
   */
  dir: string;
  /** notBefore of a generated chain. Default: the system clock. */
  clock?: Clock;
  /** Development: generate keys and chain on first start. Default false: everything must exist. */
  create?: boolean;
  /** Key algorithm of generated keys (and required of existing ones). Default P-256. */
  algorithm?: CaAlgorithm;
  /** Subject of a generated root. Default DEFAULT_CA_SUBJECT. */
  subject?: { organization: string; commonName: string };
  /**
   * The intermediate (issuing) key when it is not keys/fulcio-intermediate.pem: a key
   * on an HSM (@sigstack/pkcs11). A generated chain certifies it; an existing chain
   * must name it, as with a key file.
   */
  signer?: Signer;
}

/**
 * Opens the CA in `dir`, creating keys and chain first when `create` is set and they
 * are missing. The chain on disk is always re-read and checked (ca-chain.ts): a key
 * file that no longer matches its certificate (deleted and regenerated, say) is an
 * error, never a silent re-issue, because clients already trust the old chain.
 */
export async function openCertificateAuthority(opts: OpenCertificateAuthorityOptions): Promise<CertificateAuthority> {
  const create = opts.create ?? false;
  const algorithm = opts.algorithm ?? 'ecdsa-p256-sha256';
  const chainPath = join(opts.dir, CA_CHAIN_FILE);
  const rootKeyPath = join(opts.dir, CA_ROOT_KEY_FILE);
  if (create) mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const chainExists = existsSync(chainPath);
  // Creating a chain needs the root key; opening one does not (a production root stays offline).
  const rootSigner = !chainExists || existsSync(rootKeyPath) ? openKey(rootKeyPath, create && !chainExists, algorithm) : undefined;
  const intermediateSigner = opts.signer ?? openKey(join(opts.dir, CA_INTERMEDIATE_KEY_FILE), create && !chainExists, algorithm);
  if (opts.signer && opts.signer.algorithm !== algorithm)
    throw new FulcioError('CA_CHAIN_INVALID', `the CA key is ${opts.signer.algorithm}, expected ${algorithm} (fulcio.caAlgorithm)`);

  if (!chainExists) {
    if (!create) throw new FulcioError('CA_CHAIN_INVALID', `${chainPath} does not exist (start with create to generate a development CA)`);
    const chain = await issueCaHierarchy({
      rootSigner: rootSigner!,
      intermediateSigner,
      nowMs: (opts.clock ?? systemClock).now(),
      subject: opts.subject ?? DEFAULT_CA_SUBJECT,
    });
    // Complete or absent, never over a racing process's chain. A crash before the file
    // is linked into place leaves none, and the next start issues a new chain over the
    // same keys; after, the chain is complete.
    writeFileOnce(chainPath, chain.map((c) => toPem('CERTIFICATE', c)).join(''), { mode: 0o644 });
  }
  // Read back what is on disk: if another process won the race, its chain (over the same keys) is the one to serve.
  const chain = readChain(chainPath);
  return new CertificateAuthority({ signer: intermediateSigner, chain, ...(rootSigner ? { rootKeyDer: rootSigner.publicKeyDer } : {}) });
}

/**
 * Issues a root and an intermediate (protocols.md §4.9); returns `[intermediate, root]` DER.
 *
 * Root: self-signed; KeyUsage keyCertSign + cRLSign (critical); BasicConstraints cA
 * (critical); SKI; no EKU. Intermediate: KeyUsage keyCertSign + cRLSign (critical);
 * EKU codeSigning (non-critical: Go's verifier, asked for codeSigning, rejects an
 * intermediate whose EKU list lacks it); BasicConstraints cA, pathLen 0 (critical);
 * SKI; AKI = the root's SKI. Both from the current second for CA_VALIDITY_DAYS.
 */
export async function issueCaHierarchy(o: {
  rootSigner: Signer;
  intermediateSigner: Signer;
  nowMs: number;
  subject: { organization: string; commonName: string };
  validityDays?: number;
}): Promise<Buffer[]> {
  const start = Math.floor(o.nowMs / 1000) * 1000;
  const end = start + (o.validityDays ?? CA_VALIDITY_DAYS) * DAY;
  const root = await issueCertificate({
    subject: o.subject,
    publicKeyDer: o.rootSigner.publicKeyDer,
    signer: o.rootSigner,
    notBefore: new Date(start),
    notAfter: new Date(end),
    basicConstraints: { ca: true },
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const intermediate = await issueCertificate({
    subject: { organization: o.subject.organization, commonName: `${o.subject.commonName}-intermediate` },
    publicKeyDer: o.intermediateSigner.publicKeyDer,
    signer: o.rootSigner,
    issuerCertificate: root,
    notBefore: new Date(start),
    notAfter: new Date(end),
    basicConstraints: { ca: true, pathLength: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
    extendedKeyUsage: { purposes: [OID.codeSigning], critical: false },
  });
  return [intermediate, root];
}

function openKey(path: string, create: boolean, algorithm: CaAlgorithm): FileSigner {
  try {
    return FileSigner.open({ path, create, algorithm });
  } catch (cause) {
    if (isSigstackError(cause)) throw new FulcioError('CA_CHAIN_INVALID', `CA key: ${cause.message}`, { cause });
    throw cause;
  }
}

/** Reads a PEM chain file: CERTIFICATE blocks only. Any failure is a CA_CHAIN_INVALID FulcioError. */
function readChain(path: string): Buffer[] {
  try {
    return readCertificatePemFile(path);
  } catch (cause) {
    throw new FulcioError('CA_CHAIN_INVALID', (cause as Error).message, { cause });
  }
}
