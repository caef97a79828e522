import type { SerializedBundle } from '@sigstore/bundle';
import type { ImageBundleVerifier, ImageVerifiedBundle } from '../oci/bundle-interfaces.js';
import { parseBundle } from '../verify/bundle-reader.js';
import type { BundleVerifier } from '../verify/bundle-verifier.js';

/**
 * The blob verifier as the image code needs it: a bundle read from a registry is parsed
 * as strictly as one read from a file, a cosign 2 signature is checked over its
 * simple-signing payload, a DSSE envelope over its own payload.
 */
export function imageBundleVerifier(verifier: BundleVerifier): ImageBundleVerifier {
  return {
    async verify(serialized: SerializedBundle, payload?: Uint8Array): Promise<ImageVerifiedBundle> {
      const bundle = parseBundle(serialized, 'bundle');
      const r = await verifier.verify(bundle, payload ? { kind: 'bytes', data: payload } : { kind: 'none' });
      return {
        ...(r.identity ? { identity: r.identity } : {}),
        payload: r.payload ?? payload ?? new Uint8Array(),
        ...(r.payloadType !== undefined ? { payloadType: r.payloadType } : {}),
      };
    },
  };
}
