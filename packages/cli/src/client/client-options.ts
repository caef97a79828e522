import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import {
  BundleSigner,
  BundleVerifier,
  ClientError,
  isPkcs11KeyRef,
  loadPrivateKey,
  openPkcs11SigningKey,
  loadPublicKey,
  resolveIdentityToken,
  resolveSigningServices,
  resolveTrustedRoot,
  type IdentityPolicy,
  type SigningIdentity,
  type TokenSigningKey,
} from '@sigstack/client';
import { readPassword, status, terminalPrompt, usage } from './cli-io.js';
import { bool, str, type FlagSpec, type ParsedFlags } from './cosign-flags.js';

/** Flags every signing verb takes (cosign 2's service URLs, cosign 3's signing config, keys, identity). */
export const SIGNING_FLAGS: FlagSpec = {
  key: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'fulcio-url': { type: 'string' },
  'rekor-url': { type: 'string' },
  'timestamp-server-url': { type: 'string' },
  'signing-config': { type: 'string' },
  'use-signing-config': { type: 'boolean' },
  'trusted-root': { type: 'string' },
  'tlog-upload': { type: 'boolean' },
  'rekor-entry-type': { type: 'string' },
  'new-bundle-format': { type: 'boolean' },
  'identity-token': { type: 'string' },
  'oidc-issuer': { type: 'string' },
  'oidc-client-id': { type: 'string' },
  'oidc-client-secret-file': { type: 'string' },
  'oidc-redirect-url': { type: 'string' },
  'oidc-provider': { type: 'string' },
  'oidc-disable-ambient-providers': { type: 'boolean' },
  'fulcio-auth-flow': { type: 'string' },
  'issue-certificate': { type: 'boolean' },
  timeout: { type: 'string', short: 't' },
};

/** Flags every verification verb takes. */
export const VERIFY_FLAGS: FlagSpec = {
  key: { type: 'string' },
  'trusted-root': { type: 'string' },
  offline: { type: 'boolean' },
  'rekor-url': { type: 'string' },
  'certificate-identity': { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  'certificate-oidc-issuer-regexp': { type: 'string' },
  'use-signed-timestamps': { type: 'boolean' },
  'new-bundle-format': { type: 'boolean' },
  'private-infrastructure': { type: 'boolean' },
  timeout: { type: 'string', short: 't' },
};

/** `--key FILE` (cosign's encrypted format or a PEM private key), or `--key pkcs11:...`, a key on a token. */
export async function readSigningKey(path: string): Promise<KeyObject | TokenSigningKey> {
  if (isPkcs11KeyRef(path)) return openTokenKey(path);
  return loadPrivateKey(readKeyFile(path), () => readPassword());
}

/** A key on a PKCS#11 token, by cosign's URI rules (PIN from the URI, COSIGN_PKCS11_PIN, or a terminal prompt). */
export function openTokenKey(uri: string): Promise<TokenSigningKey> {
  const readPin = terminalPrompt();
  return openPkcs11SigningKey(uri, { env: process.env, ...(readPin ? { readPin } : {}) });
}

/** `--key FILE` (a public key), or `--key pkcs11:...`: the public key of the token key. */
export async function readVerificationKey(path: string): Promise<KeyObject> {
  if (!isPkcs11KeyRef(path)) return loadPublicKey(readKeyFile(path));
  const key = await openTokenKey(path);
  key.close();
  return key.publicKey;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ClientError('KEY_INVALID', `--key ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
}

/** The signer the flags describe: a key, or keyless with an identity token from the first source that has one. */
export async function signerFromFlags(p: ParsedFlags): Promise<BundleSigner> {
  const keyPath = str(p, 'key');
  const services = await resolveSigningServices({
    ...(str(p, 'signing-config') ? { signingConfigPath: str(p, 'signing-config')! } : {}),
    useSigningConfig: bool(p, 'use-signing-config', true),
    ...(str(p, 'fulcio-url') ? { fulcioUrl: str(p, 'fulcio-url')! } : {}),
    ...(str(p, 'rekor-url') ? { rekorUrl: str(p, 'rekor-url')! } : {}),
    ...(str(p, 'timestamp-server-url') ? { timestampServerUrl: str(p, 'timestamp-server-url')! } : {}),
    env: process.env,
  });
  let identity: SigningIdentity;
  if (keyPath) {
    identity = { kind: 'key', key: await readSigningKey(keyPath) };
  } else {
    // A person signs in at --oidc-issuer, or at the signing config's identity provider
    // (cosign 3's way); there is no public-good default.
    const oidcIssuer = str(p, 'oidc-issuer') ?? services.oidcUrl;
    const tokenOpts = {
      ...(str(p, 'identity-token') ? { identityToken: str(p, 'identity-token')! } : {}),
      ...(oidcIssuer ? { oidcIssuer } : {}),
      ...(str(p, 'oidc-client-id') ? { oidcClientId: str(p, 'oidc-client-id')! } : {}),
      ...(str(p, 'oidc-client-secret-file') ? { oidcClientSecretFile: str(p, 'oidc-client-secret-file')! } : {}),
      ...(str(p, 'oidc-redirect-url') ? { oidcRedirectUrl: str(p, 'oidc-redirect-url')! } : {}),
      ...(str(p, 'oidc-provider') ? { oidcProvider: str(p, 'oidc-provider')! } : {}),
      oidcDisableAmbientProviders: bool(p, 'oidc-disable-ambient-providers', false),
      ...(authFlow(p) ? { authFlow: authFlow(p)! } : {}),
      env: process.env,
      log: status,
    };
    let cached: Promise<string> | undefined;
    identity = { kind: 'keyless', token: () => (cached ??= resolveIdentityToken(tokenOpts)) };
  }
  const entryType = str(p, 'rekor-entry-type');
  if (entryType !== undefined && entryType !== 'dsse' && entryType !== 'intoto') usage(`--rekor-entry-type must be dsse or intoto, got "${entryType}"`);
  return BundleSigner.create({
    identity,
    services,
    tlogUpload: bool(p, 'tlog-upload', true),
    ...(entryType ? { rekorEntryType: entryType } : {}),
    ...(timeoutMs(p) ? { timeoutMs: timeoutMs(p)! } : {}),
  });
}

function authFlow(p: ParsedFlags): 'normal' | 'device' | undefined {
  const f = str(p, 'fulcio-auth-flow');
  if (f !== undefined && f !== 'normal' && f !== 'device') usage(`--fulcio-auth-flow must be normal or device, got "${f}"`);
  return f;
}

/** cosign's --timeout (a Go duration such as 3m0s, 30s) in milliseconds. */
function timeoutMs(p: ParsedFlags): number | undefined {
  const t = str(p, 'timeout');
  if (!t) return undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!m || t === '') usage(`--timeout: "${t}" is not a duration such as 30s or 3m0s`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** cosign's identity flags; both a subject and an issuer are required for keyless verification, as cosign requires them. */
export function identityFromFlags(p: ParsedFlags): IdentityPolicy {
  const id: IdentityPolicy = {};
  const subject = str(p, 'certificate-identity');
  const subjectRe = str(p, 'certificate-identity-regexp');
  const issuer = str(p, 'certificate-oidc-issuer');
  const issuerRe = str(p, 'certificate-oidc-issuer-regexp');
  if (subject) id.subject = subject;
  else if (subjectRe) id.subjectRegExp = checkRegExp(subjectRe, '--certificate-identity-regexp');
  if (issuer) id.issuer = issuer;
  else if (issuerRe) id.issuerRegExp = checkRegExp(issuerRe, '--certificate-oidc-issuer-regexp');
  if (!subject && !subjectRe) usage('--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode');
  if (!issuer && !issuerRe) usage('--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode');
  return id;
}

function checkRegExp(re: string, flag: string): string {
  try {
    new RegExp(re);
  } catch (e) {
    usage(`${flag}: invalid regular expression: ${(e as Error).message}`);
  }
  return re;
}

/** A verifier from the flags: trust from --trusted-root / SIGSTORE_* / TUF, then a key or an identity. */
export async function verifierFromFlags(p: ParsedFlags): Promise<BundleVerifier> {
  const keyPath = str(p, 'key');
  const trustedRoot = await resolveTrustedRoot({
    ...(str(p, 'trusted-root') ? { trustedRootPath: str(p, 'trusted-root')! } : {}),
    env: process.env,
    offline: bool(p, 'offline', false),
  });
  if (keyPath) return new BundleVerifier({ trustedRoot, key: await readVerificationKey(keyPath) });
  return new BundleVerifier({ trustedRoot, identity: identityFromFlags(p) });
}
