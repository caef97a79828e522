// Pre-signed hashedrekord request bodies for the write benchmarks (run.mjs, fill.mjs):
// a fresh random artifact per body, signed with one ECDSA P-256 key, as cosign sends
// them. Made before the load starts (and in worker threads for big fills) so the load
// generator only replays bytes: signing is not measured.
//
//   v1: Rekor v1 proposed entry, hashedrekord 0.0.1 (PEM key, hex digest)
//   v2: Rekor v2 CreateEntryRequest, hashedrekord 0.0.2 (DER key, base64 digest,
//       keyDetails PKIX_ECDSA_P256_SHA_256), the body cosign 3 and sigstore-go send
import { createHash, randomBytes, sign } from 'node:crypto';

/** Where each API takes its writes. */
export const WRITE_PATHS = { v1: '/api/v1/log/entries', v2: '/api/v2/log/entries' };

/** Returns a function making one fresh signed body (JSON text) for `api` ('v1' | 'v2') with the key pair given. */
export function hashedrekordMaker(api, privateKey, publicKey) {
  if (api !== 'v1' && api !== 'v2') throw new Error(`unknown Rekor API ${api}`);
  const pemB64 = Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })).toString('base64');
  const derB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return () => {
    const artifact = randomBytes(32);
    const digest = createHash('sha256').update(artifact).digest();
    const sig = sign('sha256', artifact, privateKey).toString('base64');
    if (api === 'v1')
      return JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: { data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } }, signature: { content: sig, publicKey: { content: pemB64 } } },
      });
    return JSON.stringify({
      hashedRekordRequestV002: {
        digest: digest.toString('base64'),
        signature: { content: sig, verifier: { publicKey: { rawBytes: derB64 }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' } },
      },
    });
  };
}
