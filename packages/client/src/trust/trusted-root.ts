import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError } from '../errors.js';

/** trusted_root.json is a few KiB; anything past this is not one. */
export const MAX_TRUST_FILE_BYTES = 4 * 1024 * 1024;

const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** Reads and checks a trusted_root.json (protobuf-specs TrustedRoot, JSON form). */
export function readTrustedRootFile(path: string): TrustedRoot {
  return parseTrustedRoot(readBoundedFile(path, 'trusted root'), path);
}

export function parseTrustedRoot(text: string, source: string): TrustedRoot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ClientError('TRUST_INVALID', `${source}: not JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ClientError('TRUST_INVALID', `${source}: not a trusted root (not a JSON object)`);
  const mediaType = (json as Record<string, unknown>)['mediaType'];
  if (typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot'))
    throw new ClientError('TRUST_INVALID', `${source}: not a trusted root (mediaType ${JSON.stringify(mediaType)})`);
  try {
    return TrustedRoot.fromJSON(json);
  } catch (cause) {
    throw new ClientError('TRUST_INVALID', `${source}: malformed trusted root: ${(cause as Error).message}`, { cause });
  }
}

/**
 * cosign 2's trust from files named in the environment, made into a trusted root:
 * SIGSTORE_ROOT_FILE (the CA chain, PEM), SIGSTORE_REKOR_PUBLIC_KEY,
 * SIGSTORE_CT_LOG_PUBLIC_KEY_FILE, SIGSTORE_TSA_CERTIFICATE_FILE (the TSA chain, PEM).
 * The files say nothing of validity periods, so each entry is valid from the epoch on,
 * as cosign 2 treats them. Returns undefined when none of the variables is set.
 */
export function trustedRootFromLegacyEnv(env: NodeJS.ProcessEnv, rekorUrl = 'http://localhost'): TrustedRoot | undefined {
  const rootFile = env['SIGSTORE_ROOT_FILE'];
  const rekorKey = env['SIGSTORE_REKOR_PUBLIC_KEY'];
  const ctKey = env['SIGSTORE_CT_LOG_PUBLIC_KEY_FILE'];
  const tsaFile = env['SIGSTORE_TSA_CERTIFICATE_FILE'];
  if (!rootFile && !rekorKey && !ctKey && !tsaFile) return undefined;
  const start = '1970-01-01T00:00:00Z';
  const json = {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: rekorKey ? readPublicKeys(rekorKey, 'SIGSTORE_REKOR_PUBLIC_KEY').map((k) => logEntry(k, rekorUrl, start)) : [],
    certificateAuthorities: rootFile ? [chainEntry(readCertificates(rootFile, 'SIGSTORE_ROOT_FILE'), rekorUrl, start)] : [],
    ctlogs: ctKey ? readPublicKeys(ctKey, 'SIGSTORE_CT_LOG_PUBLIC_KEY_FILE').map((k) => logEntry(k, rekorUrl, start)) : [],
    timestampAuthorities: tsaFile ? [chainEntry(readCertificates(tsaFile, 'SIGSTORE_TSA_CERTIFICATE_FILE'), rekorUrl, start)] : [],
  };
  return TrustedRoot.fromJSON(json);
}

function logEntry(key: KeyObject, baseUrl: string, start: string) {
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: der.toString('base64'), keyDetails: keyDetailsOf(key), validFor: { start } },
    logId: { keyId: createHash('sha256').update(der).digest('base64') },
  };
}

function chainEntry(certs: X509Certificate[], uri: string, start: string) {
  return {
    subject: {},
    uri,
    certChain: { certificates: certs.map((c) => ({ rawBytes: c.raw.toString('base64') })) },
    validFor: { start },
  };
}

/** The protobuf-specs PublicKeyDetails name of a key. */
export function keyDetailsOf(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'PKIX_ED25519';
  if (type === 'rsa') return 'PKIX_RSA_PKCS1V15_2048_SHA256';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'PKIX_ECDSA_P256_SHA_256';
    if (curve === 'secp384r1') return 'PKIX_ECDSA_P384_SHA_384';
    if (curve === 'secp521r1') return 'PKIX_ECDSA_P521_SHA_512';
  }
  throw new ClientError('KEY_UNSUPPORTED', `unsupported key type ${type}`);
}

function readPublicKeys(path: string, name: string): KeyObject[] {
  const text = readBoundedFile(path, name);
  const blocks = pemBlocks(text, 'PUBLIC KEY');
  if (blocks.length === 0) throw new ClientError('TRUST_INVALID', `${name}=${path}: no PUBLIC KEY PEM block`);
  return blocks.map((b) => {
    try {
      return createPublicKey({ key: b, format: 'der', type: 'spki' });
    } catch (cause) {
      throw new ClientError('TRUST_INVALID', `${name}=${path}: unreadable public key`, { cause });
    }
  });
}

function readCertificates(path: string, name: string): X509Certificate[] {
  const text = readBoundedFile(path, name);
  const blocks = pemBlocks(text, 'CERTIFICATE');
  if (blocks.length === 0) throw new ClientError('TRUST_INVALID', `${name}=${path}: no CERTIFICATE PEM block`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (cause) {
      throw new ClientError('TRUST_INVALID', `${name}=${path}: unreadable certificate`, { cause });
    }
  });
}

/** DER bodies of the PEM blocks of one type, in file order. */
export function pemBlocks(text: string, type: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${type}-----([A-Za-z0-9+/=\\s]+?)-----END ${type}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

export function readBoundedFile(path: string, what: string, limit = MAX_TRUST_FILE_BYTES): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (cause) {
    throw new ClientError('TRUST_INVALID', `${what} ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  if (buf.length > limit) throw new ClientError('TRUST_INVALID', `${what} ${path}: larger than ${limit} bytes`);
  return buf.toString('utf8');
}
