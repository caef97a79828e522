import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { assertWithinLimit } from './entry-limits.js';
import type { CanonicalEntry, EntryLimits } from './entry.types.js';
import { base64, base64DecodedLength, hashField, isAbsent, object, printable, string } from './fields.js';
import { messageSignatureVerifies } from './message-signature.js';
import { parseX509Key } from './x509-key.js';

/** Signature formats upstream's rekord schema knows; only x509 is supported here. */
const KNOWN_FORMATS = ['pgp', 'minisign', 'x509', 'ssh'];

/**
 * rekord 0.0.1, x509 format: a signature over a whole artifact that travels in the
 * entry (rekor-cli `upload`'s default type).
 *
 *   proposed:  {data: {content, hash?}, signature: {format: "x509", content, publicKey: {content}}}
 *   canonical: {data: {hash: {algorithm: "sha256", value}}, signature: {content, format, publicKey: {content: <Go PEM>}}}
 *
 * Ported from sigstore/rekor pkg/types/rekord/v0.0.1/entry.go (validate,
 * fetchExternalEntities, Canonicalize, IndexKeys) and pkg/pki/x509/x509.go:
 * - the server hashes the artifact (SHA-256); a given data.hash must equal it
 *   (upstream compares the hex strings, so it must be lower case there too);
 * - the signature verifies over the artifact bytes with sigstore's default verifier
 *   (SHA-256 for ECDSA of any curve and for RSA PKCS #1 v1.5, pure Ed25519);
 * - the body keeps the computed hash, the signature bytes, the format and the key
 *   re-encoded as Go PEM; the artifact itself is dropped.
 * Not supported: URLs (upstream dropped data.url fetching; older servers fetched it —
 * a log must not fetch what callers point it at), and the pgp, minisign and ssh formats.
 * Index keys: hex SHA-256 of the canonical PEM, the certificate's SANs, `sha256:<digest>`.
 */
export async function canonicalizeRekordV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const signature = object(spec.signature, 'spec.signature');
  const format = string(signature.format, 'spec.signature.format');
  if (format !== 'x509') {
    if (KNOWN_FORMATS.includes(format))
      throw new RekorError('UNSUPPORTED_KIND', `spec.signature.format: rekord entries in "${format}" format are not supported by this log (only x509)`);
    throw new RekorError('MALFORMED_ENTRY', `spec.signature.format: "${printable(format)}" is not a rekord signature format (${KNOWN_FORMATS.join(', ')})`);
  }
  const publicKey = object(signature.publicKey, 'spec.signature.publicKey');
  const data = object(spec.data, 'spec.data');
  for (const [value, field, instead] of [
    [data.url, 'spec.data.url', 'send the artifact in spec.data.content'],
    [signature.url, 'spec.signature.url', 'send the signature in spec.signature.content'],
    [publicKey.url, 'spec.signature.publicKey.url', 'send the key in spec.signature.publicKey.content'],
  ] as const) {
    if (!isAbsent(value)) throw new RekorError('MALFORMED_ENTRY', `${field}: this log does not fetch URLs; ${instead}`);
  }

  const sig = base64(signature.content, 'spec.signature.content');
  const key = parseX509Key(base64(publicKey.content, 'spec.signature.publicKey.content'), 'spec.signature.publicKey.content', limits.maxKeyBytes);
  if (typeof data.content === 'string') assertWithinLimit(base64DecodedLength(data.content), limits.maxArtifactBytes, 'spec.data.content');
  const artifact = base64(data.content, 'spec.data.content');
  const computed = sha256Hex(artifact);
  if (!isAbsent(data.hash)) {
    const given = hashField(data.hash, 'spec.data.hash', ['sha256']);
    if (given.value !== computed) throw new RekorError('MALFORMED_ENTRY', `spec.data.hash.value: SHA mismatch: the artifact's SHA-256 is ${computed}`);
  }
  if (!(await messageSignatureVerifies(key.vk, artifact, sig)))
    throw new RekorError('INVALID_SIGNATURE', 'spec.signature.content: the signature does not verify over spec.data.content with spec.signature.publicKey.content');

  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'rekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: computed } },
      signature: { content: sig.toString('base64'), format: 'x509', publicKey: { content: key.canonicalPem.toString('base64') } },
    },
  });
  return { kind: 'rekord', apiVersion: '0.0.1', body, indexKeys: [sha256Hex(key.canonicalPem), ...key.subjects, `sha256:${computed}`] };
}
