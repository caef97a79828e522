import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, fromPem, systemClock, type Clock } from '@sigstack/core';
import { CA_CHAIN_FILE, CA_ROOT_KEY_FILE, issueNextIntermediate } from '@sigstack/fulcio';
import { issueNextLeaf, readChain, TSA_CHAIN_FILE, TSA_ROOT_KEY_FILE } from '@sigstack/tsa';
import { activeGenerationDir, generationDir, nextGeneration, pendingGeneration } from './key-generations.js';

export interface StageRotationOptions {
  dataDir: string;
  /** The root key file, when it is not in the data directory (kept offline). */
  rootKey?: string;
  /** Passphrase of an encrypted root key file. */
  rootKeyPassphrase?: string;
  clock?: Clock;
}

export interface StagedRotation {
  generation: number;
  /** The new generation's directory (key and chain). */
  dir: string;
  /** The new certificate's notBefore: its trusted_root.json validFor.start. */
  notBefore: number;
}

/**
 * Step one of a TSA rotation, run beside the stack (`sigstack tsa rotate`): a new
 * leaf key and certificate under the TSA's root in the next generation directory of
 * `<dataDir>/tsa` (stack/key-generations.ts). The stack adopts it when signalled
 * (stack/rotate-keys.ts), or on its next start. Needs the root key.
 */
export async function stageTsaRotation(o: StageRotationOptions): Promise<StagedRotation> {
  const base = join(o.dataDir, 'tsa');
  const { rootSigner, rootCertificate, n } = openRoot(base, TSA_CHAIN_FILE, TSA_ROOT_KEY_FILE, o, (p) => readChain(p));
  const nowMs = (o.clock ?? systemClock).now();
  await issueNextLeaf({ dir: generationDir(base, n), rootSigner, rootCertificate, nowMs });
  return { generation: n, dir: generationDir(base, n), notBefore: Math.floor(nowMs / 1000) * 1000 };
}

/**
 * Step one of a CA rotation (`sigstack ca rotate`): a new intermediate key and
 * certificate under the CA's root, named as the first one
 * (`<root commonName>-intermediate`), in the next generation of `<dataDir>/fulcio`.
 */
export async function stageCaRotation(o: StageRotationOptions): Promise<StagedRotation> {
  const base = join(o.dataDir, 'fulcio');
  const { rootSigner, rootCertificate, n } = openRoot(base, CA_CHAIN_FILE, CA_ROOT_KEY_FILE, o, (p) => fromPem(readFileSync(p, 'utf8')).map((b) => b.der));
  if (rootSigner.algorithm !== 'ecdsa-p256-sha256' && rootSigner.algorithm !== 'ecdsa-p384-sha384') throw new Error(`the CA root key is ${rootSigner.algorithm}: expected ECDSA P-256 or P-384`);
  const subject = subjectOf(new X509Certificate(rootCertificate).subject);
  const nowMs = (o.clock ?? systemClock).now();
  await issueNextIntermediate({
    dir: generationDir(base, n),
    rootSigner,
    rootCertificate,
    subject: { ...(subject.O ? { organization: subject.O } : {}), commonName: `${subject.CN ?? 'sigstack'}-intermediate` },
    algorithm: rootSigner.algorithm,
    nowMs,
  });
  return { generation: n, dir: generationDir(base, n), notBefore: Math.floor(nowMs / 1000) * 1000 };
}

/** The root key and certificate of the active chain, and the generation to stage; refuses a second staged rotation. */
function openRoot(base: string, chainFile: string, rootKeyFile: string, o: StageRotationOptions, read: (path: string) => Buffer[]) {
  const chainPath = join(activeGenerationDir(base), chainFile);
  if (!existsSync(chainPath)) throw new Error(`${chainPath} does not exist: there is nothing to rotate (start the stack or run init first)`);
  const pending = pendingGeneration(base, chainFile);
  if (pending !== undefined)
    throw new Error(`a rotation is already staged in ${generationDir(base, pending)}: signal the stack (kill -HUP) or start it to adopt it first`);
  const chain = read(chainPath);
  const rootKeyPath = o.rootKey ?? join(base, rootKeyFile);
  if (!existsSync(rootKeyPath)) throw new Error(`the root key ${rootKeyPath} is not there (kept offline?): pass --root-key FILE`);
  const rootSigner = FileSigner.open({ path: rootKeyPath, ...(o.rootKeyPassphrase !== undefined ? { passphrase: o.rootKeyPassphrase } : {}) });
  return { rootSigner, rootCertificate: chain[chain.length - 1]!, n: nextGeneration(base, chainFile) };
}

/** `O=...\nCN=...` (node:crypto's subject text) as attributes; the last of each wins. */
function subjectOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
