import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { X509Certificate } from 'node:crypto';
import {
  buildStatement,
  checkStatement,
  ClientError,
  digestFile,
  IN_TOTO_PAYLOAD_TYPE,
  parseArtifactDigest,
  parseStatement,
  predicateTypeUri,
  readBundleFile,
  type ArtifactInput,
  type SerializedBundle,
} from '@sigstack/client';

import { readFile } from 'node:fs/promises';
import { result, status, usage } from './cli-io.js';
import { bool, parseFlags, str, type ParsedFlags } from './cosign-flags.js';
import { SIGNING_FLAGS, signerFromFlags, verifierFromFlags, VERIFY_FLAGS } from './client-options.js';

/** `sign-blob FILE`: a Sigstore bundle (v0.3) for a file, signed with a key or keyless. */
export async function signBlobCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, {
    ...SIGNING_FLAGS,
    bundle: { type: 'string' },
    'output-signature': { type: 'string' },
    output: { type: 'string' },
    'output-certificate': { type: 'string' },
    b64: { type: 'boolean' },
    'rfc3161-timestamp': { type: 'string' },
  });
  const file = onePositional(p, 'sign-blob FILE');
  const signer = await signerFromFlags(p);
  status(`Using payload from: ${file}`);
  const bundle = await signer.signFile(file);
  await writeOutputs(p, bundle, await signer.certificatePem());
}

/** `verify-blob FILE|sha256:HEX --bundle B`: key or identity, trust from --trusted-root / SIGSTORE_* / TUF. */
export async function verifyBlobCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, { ...VERIFY_FLAGS, bundle: { type: 'string' }, signature: { type: 'string' }, certificate: { type: 'string' }, 'certificate-chain': { type: 'string' } });
  const target = onePositional(p, 'verify-blob FILE|sha256:DIGEST');
  const bundlePath = requireBundle(p);
  const bundle = await readBundleFile(bundlePath);
  if (bundle.content.$case !== 'messageSignature') throw new ClientError('USAGE', `${bundlePath} holds an attestation (DSSE envelope): use verify-blob-attestation`);
  const verifier = await verifierFromFlags(p);
  const verified = await verifier.verify(bundle, artifactInput(target));
  if (verified.identity?.subjectAlternativeName) status(`Certificate subject: ${verified.identity.subjectAlternativeName}, issuer: ${verified.identity.issuer ?? ''}`);
  status('Verified OK');
}

/** `attest-blob FILE --predicate P --type T`: an in-toto statement about the file, in a DSSE bundle. */
export async function attestBlobCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, {
    ...SIGNING_FLAGS,
    bundle: { type: 'string' },
    predicate: { type: 'string' },
    type: { type: 'string' },
    statement: { type: 'string' },
    hash: { type: 'string' },
    'output-signature': { type: 'string' },
    'output-attestation': { type: 'string' },
    'output-certificate': { type: 'string' },
    'rfc3161-timestamp': { type: 'string' },
  });
  let payload: Buffer;
  const statementPath = str(p, 'statement');
  if (statementPath) {
    if (p.positionals.length > 0) usage('--statement carries its own subject: give no file');
    payload = await readInput(statementPath, '--statement');
    parseStatement(payload, IN_TOTO_PAYLOAD_TYPE);
  } else {
    const file = onePositional(p, 'attest-blob FILE --predicate FILE [--type TYPE]');
    const predicatePath = str(p, 'predicate');
    if (!predicatePath) usage('--predicate is required');
    let sha256 = str(p, 'hash');
    if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) usage(`--hash: "${sha256}" is not a hex SHA-256`);
    sha256 ??= (await digestFile(file, 'sha256')).digest.toString('hex');
    payload = buildStatement(await readInput(predicatePath, '--predicate'), str(p, 'type') ?? 'custom', { name: basename(file), sha256: sha256.toLowerCase() });
    status(`Using predicate from: ${predicatePath}`);
  }
  const signer = await signerFromFlags(p);
  const bundle = await signer.signDsse(payload, IN_TOTO_PAYLOAD_TYPE);
  const attestationOut = str(p, 'output-attestation');
  if (attestationOut) writeFileSync(attestationOut, JSON.stringify(bundle.dsseEnvelope));
  await writeOutputs(p, bundle, await signer.certificatePem(), JSON.stringify(bundle.dsseEnvelope));
}

/** `verify-blob-attestation FILE|sha256:HEX --bundle B [--type T]`: the envelope, then cosign's claim checks. */
export async function verifyBlobAttestationCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, {
    ...VERIFY_FLAGS,
    bundle: { type: 'string' },
    type: { type: 'string' },
    'check-claims': { type: 'boolean' },
    digest: { type: 'string' },
    digestAlg: { type: 'string' },
    signature: { type: 'string' },
  });
  const bundlePath = requireBundle(p);
  const checkClaims = bool(p, 'check-claims', true);
  let sha256: string | undefined;
  if (p.positionals.length > 1) usage('give one file or sha256: digest');
  const target = p.positionals[0];
  if (target !== undefined) {
    const input = artifactInput(target);
    sha256 = input.kind === 'digest' ? input.digest.toString('hex') : (await digestFile(target, 'sha256')).digest.toString('hex');
  } else if (str(p, 'digest')) {
    if ((str(p, 'digestAlg') ?? 'sha256') !== 'sha256') usage('--digestAlg: only sha256 is supported');
    sha256 = str(p, 'digest')!.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256)) usage(`--digest: "${sha256}" is not a hex SHA-256`);
  } else if (checkClaims) {
    usage('give the file (or its sha256: digest) whose attestation to verify, or --check-claims=false');
  }
  const bundle = await readBundleFile(bundlePath);
  if (bundle.content.$case !== 'dsseEnvelope') throw new ClientError('USAGE', `${bundlePath} holds a signature, not an attestation: use verify-blob`);
  const verifier = await verifierFromFlags(p);
  const verified = await verifier.verify(bundle, { kind: 'none' });
  const statement = parseStatement(verified.payload!, verified.payloadType);
  const type = str(p, 'type');
  checkStatement(statement, { ...(type ? { predicateType: predicateTypeUri(type) } : {}), ...(checkClaims && sha256 ? { sha256 } : {}) });
  status('Verified OK');
}

function onePositional(p: ParsedFlags, what: string): string {
  if (p.positionals.length !== 1) usage(`usage: sigstack ${what} [flags]`);
  return p.positionals[0]!;
}

function requireBundle(p: ParsedFlags): string {
  const b = str(p, 'bundle');
  if (!b) {
    if (str(p, 'signature')) usage('sigstack verifies Sigstore bundles: pass --bundle (a detached --signature has no log entry to check offline)');
    usage('--bundle is required');
  }
  return b;
}

/** A file, or `sha256:<hex>` when no file of that name exists (cosign 3 and sigstore-go take digests). */
function artifactInput(target: string): ArtifactInput {
  const digest = parseArtifactDigest(target);
  if (digest) return { kind: 'digest', algorithm: 'sha256', digest };
  return { kind: 'file', path: target };
}

async function readInput(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new ClientError('ARTIFACT_INVALID', `${flag} ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
}

/**
 * cosign's outputs: the bundle to --bundle, the signature (base64; for attestations the
 * DSSE envelope) to --output-signature or, with no bundle, to stdout, the certificate to
 * --output-certificate.
 */
async function writeOutputs(p: ParsedFlags, bundle: SerializedBundle, certPem: string | undefined, envelope?: string): Promise<void> {
  const sig = envelope ?? bundle.messageSignature?.signature ?? '';
  const bundlePath = str(p, 'bundle');
  if (bundlePath) {
    writeFileSync(bundlePath, JSON.stringify(bundle));
    status(`Wrote bundle to file ${bundlePath}`);
  }
  const sigPath = str(p, 'output-signature') ?? str(p, 'output');
  if (sigPath) {
    writeFileSync(sigPath, sig);
    status(`Wrote signature to file ${sigPath}`);
  } else if (!bundlePath) {
    result(sig);
  }
  const certPath = str(p, 'output-certificate');
  if (certPath && certPem) {
    new X509Certificate(certPem);
    writeFileSync(certPath, certPem);
    status(`Wrote certificate to file ${certPath}`);
  }
}
