import { readFileSync } from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';

export interface SigstoreJsPolicy {
  certificateIssuer?: string;
  certificateIdentityEmail?: string;
  certificateIdentityURI?: string;
}

/**
 * sigstore-js's verifier (@sigstore/verify, what `sigstore.verify` runs) against a
 * trusted_root.json file, with its default thresholds: one tlog entry, one SCT, one
 * timestamp. The `sigstore` package itself only takes trust from TUF; this is the
 * same verifier with the trust material handed over directly (protocols.md §13.4).
 */
export async function sigstoreJsVerify(
  bundlePath: string,
  artifact: Buffer,
  trustedRootPath: string,
  policy: SigstoreJsPolicy,
): Promise<{ ok: boolean; error?: string }> {
  try {
    const bundle = bundleFromJSON(JSON.parse(readFileSync(bundlePath, 'utf8')));
    const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(trustedRootPath, 'utf8'))));
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    const identity = policy.certificateIdentityEmail ?? policy.certificateIdentityURI;
    verifier.verify(toSignedEntity(bundle, artifact), {
      ...(policy.certificateIssuer ? { extensions: { issuer: policy.certificateIssuer } } : {}),
      ...(identity ? { subjectAlternativeName: identity } : {}),
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}
