// Test PKI: a root, an intermediate and leaf/precertificates, built with @sigstack/x509
// exactly as the CA builds them (poison as the last extension; the final certificate
// has the SCT list in the poison's place). Keys are ephemeral, made per test run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createEphemeralSigner, FakeClock, type Signer } from '@sigstack/core';
import { extension, issueCertificate, randomSerial } from '@sigstack/x509';
import type { Test } from 'tap';
import { encodeSctListExtensionValue, openCtLog, type CtLogInstance } from '../../src/index.js';

export const POISON_OID = '1.3.6.1.4.1.11129.2.4.3';
export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';
const day = 86_400_000;
const notBefore = new Date(Date.UTC(2026, 0, 1));

export interface Ca {
  rootSigner: Signer;
  root: Buffer;
  interSigner: Signer;
  inter: Buffer;
}

export async function makeCa(name = 'Test'): Promise<Ca> {
  const rootSigner = createEphemeralSigner('ecdsa-p256-sha256');
  const root = await issueCertificate({
    subject: { organization: name, commonName: `${name} Root` },
    publicKeyDer: rootSigner.publicKeyDer,
    signer: rootSigner,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 3650 * day),
    basicConstraints: { ca: true, pathLength: 1 },
  });
  const interSigner = createEphemeralSigner('ecdsa-p256-sha256');
  const inter = await issueCertificate({
    subject: { organization: name, commonName: `${name} Intermediate` },
    publicKeyDer: interSigner.publicKeyDer,
    signer: rootSigner,
    issuerCertificate: root,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 3650 * day),
    basicConstraints: { ca: true, pathLength: 0 },
  });
  return { rootSigner, root, interSigner, inter };
}

export interface LeafFields {
  serial: Buffer;
  publicKeyDer: Buffer;
  email: string;
}

export function leafFields(email = 'dev@example.com'): LeafFields {
  return { serial: randomSerial(), publicKeyDer: createEphemeralSigner('ecdsa-p256-sha256').publicKeyDer, email };
}

/** A code-signing leaf issued by the intermediate; `last` is appended as the last extension. */
export async function issueLeaf(ca: Ca, f: LeafFields, last?: pkijs.Extension, opts: { signer?: Signer; issuer?: Buffer } = {}): Promise<Buffer> {
  const san = new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 1, value: f.email })] });
  const extra = [extension('2.5.29.17', true, san.toSchema()), extension('1.3.6.1.4.1.57264.1.1', false, new asn1js.Utf8String({ value: 'https://issuer.example' }))];
  if (last) extra.push(last);
  return issueCertificate({
    subject: { commonName: f.email },
    publicKeyDer: f.publicKeyDer,
    signer: opts.signer ?? ca.interSigner,
    issuerCertificate: opts.issuer ?? ca.inter,
    serialNumber: f.serial,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 600_000),
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.3'], critical: false },
    extraExtensions: extra,
  });
}

export function poisonExtension(): pkijs.Extension {
  return extension(POISON_OID, true, new asn1js.Null());
}

export function sctListExtension(scts: Buffer[]): pkijs.Extension {
  const v = encodeSctListExtensionValue(scts);
  return new pkijs.Extension({ extnID: SCT_LIST_OID, critical: false, extnValue: new Uint8Array(v).buffer });
}

export const issuePrecert = (ca: Ca, f: LeafFields) => issueLeaf(ca, f, poisonExtension());
export const issueFinal = (ca: Ca, f: LeafFields, scts: Buffer[]) => issueLeaf(ca, f, sctListExtension(scts));

export interface TestLog extends CtLogInstance {
  signer: Signer;
  clock: FakeClock;
  dir: string;
  path: string;
}

/** A CT log in a temporary directory, closed and removed at teardown. */
export async function testLog(t: Test, ca: Ca, opts: { signer?: Signer; clock?: FakeClock; roots?: Buffer[]; dir?: string } = {}): Promise<TestLog> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ctlog-test-'));
  const signer = opts.signer ?? createEphemeralSigner('ecdsa-p256-sha256');
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 0, 2));
  const path = join(dir, 'ct.db');
  const inst = await openCtLog({ path, signer, roots: opts.roots ?? [ca.root], clock, maxBatchWaitMs: 1 });
  let closed = false;
  const close = async () => {
    if (!closed) await inst.close();
    closed = true;
  };
  t.teardown(async () => {
    await close();
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  });
  return { ...inst, close, signer, clock, dir, path };
}
