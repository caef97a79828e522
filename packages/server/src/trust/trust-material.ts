import { sha256, toPem, type SigningAlgorithm } from '@sigstack/core';
import { createSigningConfig, sigstoreTargets, type TargetInput } from '@sigstack/tuf';
import type { KeyValidity } from './key-validity.js';
import { withHistory, type HistoryEntries } from './key-history.js';
import { createTrustedRoot, keyDetailsOf, rfc3339, type CertificateAuthorityJson, type TransparencyLogInstance } from './trusted-root.js';

/**
 * Everything a client needs to trust the stack, made from the services' public keys
 * and chains in one place, so that `trust/*` and the TUF targets are the same bytes:
 * a client that reads either sees one truth.
 */
export interface TrustInputs {
  /** The public URL (every service is on this origin). */
  url: string;
  now: number;
  /** Remembers first use of each key, for `validFor.start` (stable across restarts). */
  validity: KeyValidity;
  rekor?: { publicKeyDer: Buffer; algorithm: SigningAlgorithm };
  /**
   * The Rekor v2 log: its key, C2SP checkpoint key ID (its log ID) and origin host
   * name; `offer` lists it in the signing config too (config rekorV2.offerInSigningConfig).
   */
  rekorV2?: { publicKeyDer: Buffer; algorithm: SigningAlgorithm; keyId: Buffer; hostname: string; offer: boolean };
  ca?: { chainPem: readonly string[]; trustedRootEntry(uri: string): CertificateAuthorityJson };
  ctlog?: { publicKeyDer: Buffer; algorithm: SigningAlgorithm; prefix: string };
  tsa?: { chainPem: string; trustedRootEntry(uri: string): CertificateAuthorityJson };
  /** The development OIDC issuer for people, advertised in the signing config. */
  oidcUrl?: string;
  /** Keys other than the current ones: a rotation's next key and retired keys with their end (trust/key-history.ts). */
  history?: Readonly<HistoryEntries>;
}

export interface TrustMaterial {
  /** File name in `<dataDir>/trust/` → bytes. */
  files: Map<string, Buffer>;
  /** The same material as TUF targets, with the legacy targets' `custom.sigstore` usage. */
  tufTargets: Record<string, TargetInput>;
}

export const TSA_PATH = '/api/v1/timestamp';

export function buildTrustMaterial(i: TrustInputs): TrustMaterial {
  const files = new Map<string, Buffer>();
  const text = (s: string) => Buffer.from(s);
  const tlogs: TransparencyLogInstance[] = [];
  const ctlogs: TransparencyLogInstance[] = [];
  let rekorPem: string | undefined;
  let ctfePem: string | undefined;
  if (i.rekor) {
    rekorPem = toPem('PUBLIC KEY', i.rekor.publicKeyDer);
    files.set('rekor.pub', text(rekorPem));
    tlogs.push(logInstance(i, i.url, i.rekor.publicKeyDer, i.rekor.algorithm));
  }
  if (i.rekorV2) tlogs.push(rekorV2Instance(i, i.rekorV2));
  if (i.ca) {
    // Intermediate then root, as SIGSTORE_ROOT_FILE and cosign's --certificate-chain expect.
    files.set('fulcio_chain.pem', text(i.ca.chainPem.join('')));
  }
  if (i.ctlog) {
    ctfePem = toPem('PUBLIC KEY', i.ctlog.publicKeyDer);
    files.set('ctfe.pub', text(ctfePem));
    ctlogs.push(logInstance(i, i.url + i.ctlog.prefix, i.ctlog.publicKeyDer, i.ctlog.algorithm));
  }
  if (i.tsa) {
    // Leaf first (sigstore-js matches the signer against certificates[0]).
    files.set('tsa_chain.pem', text(i.tsa.chainPem));
  }
  const root = createTrustedRoot(
    withHistory(
      {
        tlogs,
        ctlogs,
        certificateAuthorities: i.ca ? [i.ca.trustedRootEntry(i.url)] : [],
        timestampAuthorities: i.tsa ? [i.tsa.trustedRootEntry(i.url + TSA_PATH)] : [],
      },
      i.history,
    ),
  );
  const trustedRoot = text(JSON.stringify(root, null, 2) + '\n');
  files.set('trusted_root.json', trustedRoot);

  // Where cosign 3 / sigstore-go sign (protocols.md §9.3). Without a CA and a log there
  // is nothing a signing config could point keyless signing at.
  let signingConfig: Buffer | undefined;
  const offerV2 = i.rekorV2?.offer === true;
  if (i.ca && (i.rekor || offerV2)) {
    const sc = createSigningConfig({
      caUrl: i.url,
      ...(i.rekor ? { rekorUrl: i.url } : {}),
      ...(offerV2 ? { rekorV2Url: i.url } : {}),
      ...(i.oidcUrl ? { oidcUrl: i.oidcUrl } : {}),
      ...(i.tsa ? { tsaUrl: i.url + TSA_PATH } : {}),
      start: new Date(i.validity.startOf('signing-config', i.now)),
    });
    signingConfig = text(JSON.stringify(sc, null, 2) + '\n');
    files.set('signing_config.v0.2.json', signingConfig);
  }

  const tufTargets = sigstoreTargets({
    trustedRoot,
    ...(signingConfig ? { signingConfig } : {}),
    ...(i.ca ? { fulcioRoot: i.ca.chainPem[i.ca.chainPem.length - 1]!, fulcioIntermediate: i.ca.chainPem[0]!, fulcioUrl: i.url } : {}),
    ...(rekorPem ? { rekorPublicKey: rekorPem, rekorUrl: i.url } : {}),
    ...(ctfePem && i.ctlog ? { ctfePublicKey: ctfePem, ctfeUrl: i.url + i.ctlog.prefix } : {}),
    ...(i.tsa ? { tsaChain: splitPem(i.tsa.chainPem) } : {}),
  });
  return { files, tufTargets };
}

/**
 * A `tlogs[]` / `ctlogs[]` entry (protocols.md §9.2): log ID = SHA-256(SPKI), and a
 * `validFor.start` fixed at the key's first use (sigstore-go refuses a log without it).
 */
function logInstance(i: TrustInputs, baseUrl: string, publicKeyDer: Buffer, algorithm: SigningAlgorithm): TransparencyLogInstance {
  const logId = sha256(publicKeyDer);
  return {
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: publicKeyDer.toString('base64'),
      keyDetails: keyDetailsOf(algorithm),
      validFor: { start: rfc3339(i.validity.startOf(logId.toString('hex'), i.now)) },
    },
    logId: { keyId: logId.toString('base64') },
  };
}

/**
 * The Rekor v2 `tlogs[]` entry (protocols.md §7.7): log ID and checkpointKeyId = the
 * full C2SP checkpoint key ID, and a `baseUrl` whose host name is the checkpoint
 * origin (sigstore-go verifies the checkpoint with that name): the public URL when
 * its host is the origin, else https://<origin>.
 */
function rekorV2Instance(i: TrustInputs, v2: NonNullable<TrustInputs['rekorV2']>): TransparencyLogInstance {
  const keyId = v2.keyId.toString('base64');
  return {
    baseUrl: new URL(i.url).hostname === v2.hostname ? i.url : `https://${v2.hostname}`,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: v2.publicKeyDer.toString('base64'),
      keyDetails: keyDetailsOf(v2.algorithm),
      validFor: { start: rfc3339(i.validity.startOf(v2.keyId.toString('hex'), i.now)) },
    },
    logId: { keyId },
    checkpointKeyId: { keyId },
  };
}

/** The PEM blocks of a chain file, each with its trailing newline. */
function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----\n?/g) ?? [];
}
