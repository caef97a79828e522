import { canonicalizeToBytes, sha256Hex, verifySignature } from '@sigstack/core';
import { RekorError } from '../errors.js';
import type { CanonicalEntry, EntryLimits } from './entry-type.js';
import { base64, hashField, object, string, subjectsOf, verificationKey } from './fields.js';

/**
 * rekord 0.0.1 with x509 keys: a signature over a whole artifact that travels in the
 * entry (rekor-cli's default upload type). The server hashes the artifact, checks a
 * given hash against it, verifies the signature over the artifact, and keeps only the
 * hash. URLs (data.url, signature.url, publicKey.url) are refused: a log must not
 * fetch what its callers point it at. Formats other than x509 are refused.
 */
export async function canonicalizeRekordV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const signature = object(spec.signature, 'spec.signature');
  const format = string(signature.format, 'spec.signature.format');
  if (format !== 'x509')
    throw new RekorError('UNSUPPORTED_KIND', `spec.signature.format: "${format}" is not supported by this log (x509 only)`);
  if (signature.url !== undefined) throw new RekorError('MALFORMED_ENTRY', 'spec.signature.url: fetching URLs is not supported; send spec.signature.content');
  const publicKey = object(signature.publicKey, 'spec.signature.publicKey');
  if (publicKey.url !== undefined) throw new RekorError('MALFORMED_ENTRY', 'spec.signature.publicKey.url: fetching URLs is not supported; send the key in content');
  const data = object(spec.data, 'spec.data');
  if (data.url !== undefined) throw new RekorError('MALFORMED_ENTRY', 'spec.data.url: fetching URLs is not supported; send the artifact in spec.data.content');
  const artifact = base64(data.content, 'spec.data.content');
  if (artifact.length > limits.maxArtifactBytes)
    throw new RekorError('MALFORMED_ENTRY', `spec.data.content: artifact of ${artifact.length} bytes exceeds the limit of ${limits.maxArtifactBytes}`);
  const computed = sha256Hex(artifact);
  if (data.hash !== undefined) {
    const given = hashField(data.hash, 'spec.data.hash', ['sha256']);
    if (given.value !== computed) throw new RekorError('MALFORMED_ENTRY', `spec.data.hash.value: does not match the artifact (SHA-256 ${computed})`);
  }
  const sig = base64(signature.content, 'spec.signature.content');
  const vk = verificationKey(base64(publicKey.content, 'spec.signature.publicKey.content'), 'spec.signature.publicKey.content');
  if (!(await verifySignature(vk, artifact, sig, vk.kind === 'ed25519' ? undefined : 'sha256')))
    throw new RekorError('INVALID_SIGNATURE', 'spec.signature.content: the signature does not verify over the artifact with the given key');
  const pem = Buffer.from(vk.canonicalPem);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'rekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: computed } },
      signature: { content: sig.toString('base64'), format: 'x509', publicKey: { content: pem.toString('base64') } },
    },
  });
  return { kind: 'rekord', apiVersion: '0.0.1', body, indexKeys: [sha256Hex(pem), ...subjectsOf(vk), `sha256:${computed}`] };
}
