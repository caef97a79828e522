import type { TargetInput } from '../metadata/build.js';

export type SigstoreUsage = 'Fulcio' | 'Rekor' | 'CTFE' | 'TSA';
export type SigstoreStatus = 'Active' | 'Expired';

/** The custom metadata legacy Sigstore clients select targets by (protocols.md §10.4). */
export function sigstoreCustom(usage: SigstoreUsage, uri?: string, status: SigstoreStatus = 'Active'): Record<string, unknown> {
  return { sigstore: uri === undefined ? { usage, status } : { usage, status, uri } };
}

export interface SigstoreTargetsInput {
  /** trusted_root.json bytes (or the object, serialised as JSON). */
  trustedRoot?: Uint8Array | object;
  /** signing_config.v0.2.json bytes (or the object). */
  signingConfig?: Uint8Array | object;
  /** Fulcio root certificate, PEM. */
  fulcioRoot?: string;
  /** Fulcio intermediate certificate, PEM. */
  fulcioIntermediate?: string;
  fulcioUrl?: string;
  /** Rekor public key, PEM SPKI. */
  rekorPublicKey?: string;
  rekorUrl?: string;
  /** CT log public key, PEM SPKI. */
  ctfePublicKey?: string;
  ctfeUrl?: string;
  /** TSA chain, PEM certificates, leaf first and root last. */
  tsaChain?: string[];
}

const toBytes = (v: Uint8Array | object): Uint8Array => (v instanceof Uint8Array ? v : Buffer.from(`${JSON.stringify(v, null, 2)}\n`));
const text = (s: string): Uint8Array => Buffer.from(s.endsWith('\n') ? s : `${s}\n`);

/**
 * Names the targets Sigstore clients look for (§10.4): trusted_root.json and
 * signing_config.v0.2.json (no custom metadata), and the legacy files with
 * `custom.sigstore.{usage,status,uri}`: fulcio_v1.crt.pem, fulcio_intermediate_v1.crt.pem,
 * rekor.pub, ctfe.pub, tsa_leaf.crt.pem, tsa_intermediate_<i>.crt.pem, tsa_root.crt.pem.
 */
export function sigstoreTargets(input: SigstoreTargetsInput): Record<string, TargetInput> {
  const out: Record<string, TargetInput> = {};
  if (input.trustedRoot) out['trusted_root.json'] = { bytes: toBytes(input.trustedRoot) };
  if (input.signingConfig) out['signing_config.v0.2.json'] = { bytes: toBytes(input.signingConfig) };
  if (input.fulcioRoot) out['fulcio_v1.crt.pem'] = { bytes: text(input.fulcioRoot), custom: sigstoreCustom('Fulcio', input.fulcioUrl) };
  if (input.fulcioIntermediate)
    out['fulcio_intermediate_v1.crt.pem'] = { bytes: text(input.fulcioIntermediate), custom: sigstoreCustom('Fulcio', input.fulcioUrl) };
  if (input.rekorPublicKey) out['rekor.pub'] = { bytes: text(input.rekorPublicKey), custom: sigstoreCustom('Rekor', input.rekorUrl) };
  if (input.ctfePublicKey) out['ctfe.pub'] = { bytes: text(input.ctfePublicKey), custom: sigstoreCustom('CTFE', input.ctfeUrl) };
  const chain = input.tsaChain ?? [];
  if (chain.length > 0) {
    // cosign.GetTSACerts: leaf, intermediates probed as _0, _1, ..., root (usage TSA, no uri).
    out['tsa_leaf.crt.pem'] = { bytes: text(chain[0]!), custom: sigstoreCustom('TSA') };
    if (chain.length > 1) out['tsa_root.crt.pem'] = { bytes: text(chain[chain.length - 1]!), custom: sigstoreCustom('TSA') };
    chain.slice(1, -1).forEach((pem, i) => (out[`tsa_intermediate_${i}.crt.pem`] = { bytes: text(pem), custom: sigstoreCustom('TSA') }));
  }
  return out;
}
