/**
 * Test material for the entry-type tests, all generated here (keys with node:crypto,
 * certificates with the openssl CLI); nothing is copied from other repositories.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { canonicalizeProposedEntry, type EntryLimits } from '../../src/types/index.js';
import { RekorError } from '../../src/errors.js';

export type KeyKind = 'p256' | 'p384' | 'p521' | 'ed25519' | 'rsa2048' | 'rsa3072' | 'rsa4096';

export interface TestKey {
  kind: KeyKind;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM as node writes it (64-column lines, trailing newline: the same bytes as Go's pem.Encode). */
  publicPem: string;
}

const keyCache = new Map<string, TestKey>();

export function testKey(kind: KeyKind, label = ''): TestKey {
  const id = `${kind}/${label}`;
  const cached = keyCache.get(id);
  if (cached) return cached;
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind.startsWith('rsa')
        ? generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) })
        : generateKeyPairSync('ec', { namedCurve: { p256: 'P-256', p384: 'P-384', p521: 'P-521' }[kind as 'p256']! });
  const key: TestKey = { kind, ...pair, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string };
  keyCache.set(id, key);
  return key;
}

export const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
export const hex = (alg: string, data: Uint8Array | string): string => createHash(alg).update(data).digest('hex');
export const sha256hex = (data: Uint8Array | string): string => hex('sha256', data);
/** RFC 6962 leaf hash of a canonical body. */
export const leafHashHex = (body: Uint8Array): string => createHash('sha256').update(Buffer.of(0)).update(body).digest('hex');

/** A signature over `data` as sigstore clients make it: ECDSA DER or RSA PKCS #1 v1.5 over hash(data), pure Ed25519. */
export function signMessage(key: TestKey, data: Uint8Array, hash = 'sha256'): Buffer {
  return sign(key.kind === 'ed25519' ? null : hash, data, key.privateKey);
}

export interface TestCert {
  key: TestKey;
  /** PEM as openssl writes it (which is also Go's form). */
  pem: string;
  der: Buffer;
}

/**
 * A self-signed certificate for `key`, made with `openssl req -x509`, with the given
 * subjectAltName entries in openssl's syntax (e.g. "email:a@b.c", "URI:...",
 * "otherName:1.3.6.1.4.1.57264.1.7;UTF8:name").
 */
export function selfSignedCert(key: TestKey, sans: string[] = []): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-rekor-types-'));
  try {
    writeFileSync(join(dir, 'key.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const args = ['req', '-x509', '-new', '-key', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/O=sigstack test'];
    if (sans.length) args.push('-addext', `subjectAltName=${sans.join(',')}`);
    if (key.kind !== 'ed25519') args.push('-sha256');
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    return { key, pem, der };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs openssl with `input` on stdin and returns stdout. */
export function openssl(args: string[], input?: string | Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Asserts that the proposed entry is refused with `code` and a message matching `msg`. */
export async function refused(t: Test, proposed: unknown, code: string, msg: RegExp, limits?: Partial<EntryLimits>): Promise<void> {
  try {
    await canonicalizeProposedEntry(proposed, limits);
    t.fail(`accepted; expected ${code} ${msg}`);
  } catch (e) {
    if (!(e instanceof RekorError)) {
      t.fail(`not a RekorError: ${(e as Error).stack}`);
      return;
    }
    t.equal(e.code, code, `${code}: ${e.message}`);
    t.match(e.message, msg);
  }
}

/** A deep copy of `v` with `path` (dot/bracket-free list of keys) set to `value` (undefined deletes). */
export function withField<T>(v: T, path: (string | number)[], value: unknown): T {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy as T;
}

/** DSSE PAE (protocols.md §2.6), written out independently of the module under test. */
export function paeOf(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
}

/** An in-toto statement with one subject and, optionally, SLSA 0.2 materials. */
export function statement(subjectDigest = sha256hex('artifact'), materials?: { uri: string; digest: Record<string, string> }[]): Buffer {
  const st: Record<string, unknown> = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: 'artifact.tgz', digest: { sha256: subjectDigest } }],
    predicate: { builder: { id: 'https://example.com/builder' }, buildType: 'https://example.com/type', ...(materials ? { materials } : {}) },
  };
  return Buffer.from(JSON.stringify(st));
}

export const IN_TOTO = 'application/vnd.in-toto+json';

/** A DSSE envelope JSON string as cosign and sigstore-js serialise it. */
export function envelopeJson(payload: Buffer, signers: TestKey[], payloadType = IN_TOTO, keyid = ''): { json: string; sigs: string[] } {
  const sigs = signers.map((k) => b64(signMessage(k, paeOf(payloadType, payload))));
  const json = JSON.stringify({ payloadType, payload: b64(payload), signatures: sigs.map((sig) => ({ keyid, sig })) });
  return { json, sigs };
}

interface NobleEd25519ph {
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** @noble/curves' ed25519ph (reached through @sigstack/core, which depends on it): an independent Ed25519ph signer. */
export function nobleEd25519ph(): NobleEd25519ph {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve('@sigstack/core'))('@noble/curves/ed25519').ed25519ph as NobleEd25519ph;
}

/** The 32-byte seed of an Ed25519 private key. */
export function ed25519Seed(key: TestKey): Buffer {
  return Buffer.from(key.privateKey.export({ format: 'jwk' }).d!, 'base64url');
}
