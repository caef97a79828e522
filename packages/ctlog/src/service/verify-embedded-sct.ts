import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { findExtension, isMalformedDer, OID, readDer, sha256 } from '@sigstack/core';
import { CtLogError } from '../errors.js';
import { certificatePartsOf, removeExtension } from './precert-tbs.js';
import { spkiOf } from './chain-validator.js';
import { decodeSct, decodeSctList, encodeSignedEntry, encodeTimestampedEntry, ENTRY_TYPE } from './tls-structs.js';

/**
 * Verifies the SCT of `logPublicKey` embedded in a final certificate, the way
 * sigstore-js (verify/src/key/sct.ts) and ct-go (VerifySCT, embedded=true) do: remove
 * the SCT list extension (1.3.6.1.4.1.11129.2.4.2) from the leaf's TBS, re-encode,
 * prefix SHA-256 of the issuer's SPKI, and check the signature over the RFC 6962 §3.2
 * precert_entry struct. Throws CtLogError INVALID_SCT (or INVALID_CERTIFICATE for an
 * unparseable certificate); returns the log ID and the SCT timestamp.
 */
export function verifyEmbeddedSct(
  leafDer: Buffer,
  issuerDer: Buffer,
  logPublicKey: KeyObject | Buffer,
): { logId: Buffer; timestampMs: number } {
  const key = toKey(logPublicKey);
  const logId = sha256(Buffer.isBuffer(logPublicKey) ? logPublicKey : key.export({ type: 'spki', format: 'der' }));
  const tbs = certificatePartsOf(leafDer, 'leaf');
  const ext = findExtension(tbs, OID.ctSctList);
  if (!ext) throw new CtLogError('INVALID_SCT', 'the certificate has no embedded SCT list extension (1.3.6.1.4.1.11129.2.4.2)');
  let inner;
  try {
    inner = readDer(ext.value, 'SCT list extension');
  } catch (cause) {
    if (isMalformedDer(cause)) throw new CtLogError('INVALID_CERTIFICATE', `leaf: ${cause.message}`, { cause });
    throw cause;
  }
  if (inner.tag !== 0x04) throw new CtLogError('INVALID_SCT', 'the SCT list extension value is not an OCTET STRING');
  const scts = decodeSctList(ext.value.subarray(inner.contentStart)).map(decodeSct);
  const ours = scts.filter((s) => s.logId.equals(logId));
  if (ours.length === 0) throw new CtLogError('INVALID_SCT', `no embedded SCT is from the log ${logId.toString('hex')}`);
  const signedEntry = encodeSignedEntry(ENTRY_TYPE.precert, removeExtension(tbs, OID.ctSctList), sha256(spkiOf(issuerDer, 'issuer')));
  // Every SCT that claims to be from this log must verify (sigstore-js fails the whole certificate otherwise).
  const wantSig = key.asymmetricKeyType === 'rsa' ? 1 : key.asymmetricKeyType === 'ec' ? 3 : -1;
  for (const sct of ours) {
    if (sct.hashAlgorithm !== 4 || sct.signatureAlgorithm !== wantSig)
      throw new CtLogError('INVALID_SCT', `SCT signature algorithm (${sct.hashAlgorithm}, ${sct.signatureAlgorithm}) does not match the log key`);
    const data = encodeTimestampedEntry(sct.timestampMs, ENTRY_TYPE.precert, signedEntry, sct.extensions);
    let ok: boolean;
    try {
      ok = verify('sha256', data, key, sct.signature);
    } catch {
      ok = false;
    }
    if (!ok) throw new CtLogError('INVALID_SCT', 'the embedded SCT signature does not verify');
  }
  return { logId, timestampMs: ours[0]!.timestampMs };
}

function toKey(k: KeyObject | Buffer): KeyObject {
  if (!Buffer.isBuffer(k)) return k;
  try {
    return createPublicKey({ key: k, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CtLogError('INVALID_SCT', 'the log public key is not a DER SubjectPublicKeyInfo', { cause });
  }
}
