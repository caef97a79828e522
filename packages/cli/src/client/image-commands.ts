import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  attestImage,
  ClientError,
  IN_TOTO_PAYLOAD_TYPE,
  imageBundleVerifier,
  policyAuthorityVerifier,
  predicateBody,
  predicateTypeUri,
  readClusterImagePolicyFile,
  resolveImage,
  resolveTrustedRoot,
  RegistryClient,
  signImage,
  verifyImage,
  verifyImageAttestations,
  verifyImagePolicies,
  type ImageLayout,
  type VerifiedImageAttestation,
  type VerifiedImageSignature,
} from '@sigstack/client';
import { result, status, usage } from './cli-io.js';
import { bool, list, parseFlags, str, type ParsedFlags } from './cosign-flags.js';
import { SIGNING_FLAGS, signerFromFlags, verifierFromFlags, VERIFY_FLAGS } from './client-options.js';

/**
 * Where image signatures go, as cosign decides it: cosign 3 writes Sigstore bundles as
 * OCI referrers (`--new-bundle-format`, its default); `--new-bundle-format=false` writes
 * cosign 2's `sha256-<digest>.sig` / `.att` tags, which cosign 2.x reads.
 */
function writeLayout(p: ParsedFlags): ImageLayout {
  return bool(p, 'new-bundle-format', true) ? 'cosign3' : 'cosign2';
}

const IMAGE_SIGN_FLAGS = {
  ...SIGNING_FLAGS,
  recursive: { type: 'boolean', short: 'r' },
  annotations: { type: 'string', short: 'a', multiple: true },
  upload: { type: 'boolean' },
  'registry-referrers-mode': { type: 'string' },
} as const;

/** `sign IMAGE...`: by digest (a tag is resolved, with cosign's warning); --recursive signs every manifest of an index. */
export async function signCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, IMAGE_SIGN_FLAGS);
  if (p.positionals.length === 0) usage('usage: sigstack sign [flags] IMAGE[@DIGEST]...');
  if (!bool(p, 'upload', true)) usage('--upload=false is not supported: sigstack stores the signature in the registry');
  const annotations = parseAnnotations(list(p, 'annotations'));
  const signer = await signerFromFlags(p);
  for (const ref of p.positionals) {
    const r = await signImage(ref, { signer, layout: writeLayout(p), recursive: bool(p, 'recursive', false), ...(annotations ? { annotations } : {}) });
    for (const w of r.warnings) status(w);
    for (const s of r.signed) status(`Pushing signature to: ${s.cosign2Tag ? `${s.reference.split('@')[0]}:${s.cosign2Tag}` : `${s.reference} (referrer ${s.referrer?.digest ?? ''})`}`);
  }
}

/** `attest IMAGE --predicate FILE --type T`: an in-toto statement about the image, signed as DSSE. */
export async function attestCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, { ...IMAGE_SIGN_FLAGS, predicate: { type: 'string' }, type: { type: 'string' }, replace: { type: 'boolean' } });
  if (p.positionals.length === 0) usage('usage: sigstack attest --predicate FILE [--type TYPE] [flags] IMAGE[@DIGEST]...');
  const predicatePath = str(p, 'predicate');
  if (!predicatePath) usage('--predicate is required');
  const type = str(p, 'type') ?? 'custom';
  const predicateType = predicateTypeUri(type);
  const predicate = predicateBody(await readPredicate(predicatePath), type);
  const signer = await signerFromFlags(p);
  for (const ref of p.positionals) {
    const r = await attestImage(ref, { signer, layout: writeLayout(p), predicateType, predicate });
    for (const w of r.warnings) status(w);
    for (const s of r.signed) status(`Pushing attestation to: ${s.cosign2Tag ? `${s.reference.split('@')[0]}:${s.cosign2Tag}` : `${s.reference} (referrer ${s.referrer?.digest ?? ''})`}`);
  }
}

const IMAGE_VERIFY_FLAGS = { ...VERIFY_FLAGS, policy: { type: 'string' }, output: { type: 'string', short: 'o' }, 'output-file': { type: 'string' }, 'no-matching-policy': { type: 'string' } } as const;

/** `verify IMAGE...`: the signatures in either layout, against a key, an identity, or a policy file. */
export async function verifyCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, IMAGE_VERIFY_FLAGS);
  if (p.positionals.length === 0) usage('usage: sigstack verify (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL | --policy FILE) IMAGE...');
  if (str(p, 'policy')) return gate(p, 'signatures');
  const verifier = imageBundleVerifier(await verifierFromFlags(p));
  const out: unknown[] = [];
  for (const ref of p.positionals) {
    const r = await verifyImage(ref, { verifier });
    status(`\nVerification for ${r.reference} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n  - Existence of the claims in the transparency log was verified offline\n  - ${str(p, 'key') ? 'The signatures were verified against the specified public key' : 'The code-signing certificate was verified using trusted certificate authority certificates'}`);
    out.push(...r.verified.map(signatureOutput));
  }
  emit(p, JSON.stringify(out));
}

/** `verify-attestation IMAGE... [--type T]`: the attestations, with cosign's claim checks, or a policy's. */
export async function verifyAttestationCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, { ...IMAGE_VERIFY_FLAGS, type: { type: 'string' }, 'check-claims': { type: 'boolean' } });
  if (p.positionals.length === 0) usage('usage: sigstack verify-attestation [--type TYPE] (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL | --policy FILE) IMAGE...');
  if (str(p, 'policy')) return gate(p, 'attestations');
  const verifier = imageBundleVerifier(await verifierFromFlags(p));
  const type = str(p, 'type');
  const out: unknown[] = [];
  for (const ref of p.positionals) {
    const r = await verifyImageAttestations(ref, { verifier, ...(type ? { predicateType: predicateTypeUri(type) } : {}) });
    status(`\nVerification for ${r.reference} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n  - Existence of the claims in the transparency log was verified offline\n  - ${str(p, 'key') ? 'The signatures were verified against the specified public key' : 'The code-signing certificate was verified using trusted certificate authority certificates'}`);
    out.push(...r.verified.map(attestationOutput));
  }
  emit(p, out.map((o) => JSON.stringify(o)).join('\n'));
}

/**
 * The deploy gate: each image against a policy-controller ClusterImagePolicy file. A
 * denial names the image, the policy, the authority and the rule; warnings (mode: warn)
 * go to stderr and admit.
 */
async function gate(p: ParsedFlags, what: 'signatures' | 'attestations'): Promise<void> {
  const policies = await readClusterImagePolicyFile(str(p, 'policy')!);
  for (const pol of policies) for (const n of pol.notes) status(`policy ${pol.name}: note: ${n}`);
  const noMatch = str(p, 'no-matching-policy') ?? 'deny';
  if (noMatch !== 'deny' && noMatch !== 'allow' && noMatch !== 'warn') usage(`--no-matching-policy must be deny, allow or warn, got "${noMatch}"`);
  const trustedRoot = await resolveTrustedRoot({ ...(str(p, 'trusted-root') ? { trustedRootPath: str(p, 'trusted-root')! } : {}), env: process.env, offline: bool(p, 'offline', false) });
  const registry = new RegistryClient();
  const authorities = policyAuthorityVerifier(trustedRoot, registry);
  const decisions = [];
  for (const ref of p.positionals) {
    const { digest } = await resolveImage(registry, ref, false);
    const decision = await verifyImagePolicies(ref, digest, policies, authorities, { noMatchingPolicy: noMatch });
    for (const w of decision.warnings) status(`warning: ${w.message}`);
    status(`${ref}: admitted by ${decision.passed.map((x) => `policy ${x.policy} (authority ${x.authority})`).join(', ') || 'no matching policy (--no-matching-policy)'}`);
    decisions.push({ image: ref, digest, allowed: true, policies: decision.passed.map((x) => ({ policy: x.policy, authority: x.authority, signatures: x.signatures, attestations: x.attestations })) });
  }
  void what;
  emit(p, JSON.stringify(decisions));
}

/** The result on stdout, or in --output-file as cosign writes it there. */
function emit(p: ParsedFlags, text: string): void {
  const file = str(p, 'output-file');
  if (file) writeFileSync(file, text + '\n');
  else result(text);
}

function signatureOutput(v: VerifiedImageSignature): unknown {
  const who = v.identity ? { Issuer: v.identity.issuer, Subject: v.identity.subjectAlternativeName } : {};
  if (v.simpleSigning) return { ...v.simpleSigning, optional: { ...(v.simpleSigning.optional ?? {}), ...who } };
  return { ...(v.statement ?? {}), optional: who };
}

function attestationOutput(v: VerifiedImageAttestation): unknown {
  return { payloadType: v.payloadType || IN_TOTO_PAYLOAD_TYPE, payload: Buffer.from(v.payload).toString('base64'), signatures: [] };
}

function parseAnnotations(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) usage(`-a ${v}: annotations are key=value`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

async function readPredicate(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new ClientError('ARTIFACT_INVALID', `--predicate ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
}
