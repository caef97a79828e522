import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { SignatureBundle, VerificationMaterial, Witness } from '@sigstore/sign';
import { TransparencyLogEntry } from '@sigstore/protobuf-specs';
import { preAuthEncoding } from './dsse-pae.js';
import { ClientError } from '../errors.js';

/**
 * A Rekor v2 entry for a signature made with a key (`--key`, a file or a token key).
 *
 * sigstore-js's RekorWitness sends every Rekor v2 verifier as an X.509 certificate with
 * P-256 key details (its own TODO), so a keyed signature is refused by Rekor v2
 * ("certificate does not parse"). cosign 3 sends the key as `publicKey` with its key
 * details; so does this witness (hashedrekord v0.0.2, for an envelope too, as cosign 3
 * logs it). The answer is the TransparencyLogEntry (protobuf JSON) as the
 * other witnesses return it.
 */
export class RekorV2KeyWitness implements Witness {
  constructor(private readonly opts: { rekorBaseURL: string; timeoutMs: number }) {}

  async testify(content: SignatureBundle, publicKeyPem: string): Promise<VerificationMaterial> {
    const key = createPublicKey(publicKeyPem);
    const rawBytes = key.export({ type: 'spki', format: 'der' }).toString('base64');
    const verifier = { publicKey: { rawBytes }, keyDetails: keyDetailsOf(key) };
    // An envelope is logged as cosign 3 logs a keyed attestation to Rekor v2: a
    // hashedrekord over the SHA-256 of its PAE, with the envelope's signature (cosign 3.1
    // does not verify a keyed bundle whose Rekor v2 entry is dsse).
    const [digest, signature] =
      content.$case === 'messageSignature'
        ? [Buffer.from(content.messageSignature.messageDigest!.digest), Buffer.from(content.messageSignature.signature)]
        : [
            createHash('sha256').update(preAuthEncoding(content.dsseEnvelope.payloadType, content.dsseEnvelope.payload)).digest(),
            Buffer.from(content.dsseEnvelope.signatures[0]!.sig),
          ];
    const body = { hashedRekordRequestV002: { digest: digest.toString('base64'), signature: { content: signature.toString('base64'), verifier } } };
    const url = `${this.opts.rekorBaseURL.replace(/\/+$/, '')}/api/v2/log/entries`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new ClientError('SERVICE_FAILED', `error creating tlog entry - (${res.status}) ${errorMessage(text)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new ClientError('SERVICE_FAILED', `Rekor v2 at ${url} answered something that is not JSON`, { cause });
    }
    const entry = TransparencyLogEntry.fromJSON(json);
    // A bundle's entry must name its log and kind: an answer without them is no entry.
    if (!entry.logId || !entry.kindVersion) throw new ClientError('SERVICE_FAILED', `Rekor v2 at ${url} answered an entry without logId or kindVersion`);
    return { tlogEntries: [{ ...entry, logId: entry.logId, kindVersion: entry.kindVersion }] };
  }
}

/**
 * The key details Rekor v2 checks the signature with: ECDSA P-256 over SHA-256 (how every
 * ECDSA key signs here). A hashedrekord holds a digest, which a pure Ed25519 signature does
 * not sign; P-384 signing SHA-256 has no key details.
 */
function keyDetailsOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'PKIX_ECDSA_P256_SHA_256';
  throw new ClientError('KEY_UNSUPPORTED', 'Rekor v2 takes keyed signatures from ECDSA P-256 keys here: log this one to Rekor v1 with --rekor-url');
}

function errorMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 500);
}
