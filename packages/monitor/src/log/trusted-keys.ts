import { readFileSync } from 'node:fs';
import { fromPem, parseVerificationKey, type VerificationKey } from '@sigstack/core';
import { createEcdsaNoteVerifier, createEd25519NoteVerifier, parseNote, type NoteVerifier } from '@sigstack/merkle';
import { MonitorError } from '../errors.js';

/**
 * The keys a log's checkpoints / STHs must be signed by: PEM files (every PUBLIC KEY or
 * CERTIFICATE block), and every tlog and ctlog key of a trusted_root.json. Throws
 * INVALID_CONFIG when a file is unreadable or holds no usable key.
 */
export function loadTrustedKeys(source: { publicKeyFiles?: readonly string[]; trustedRoot?: string }): VerificationKey[] {
  const keys: VerificationKey[] = [];
  for (const file of source.publicKeyFiles ?? []) {
    const text = read(file);
    const blocks = fromPem(text);
    if (blocks.length === 0) throw new MonitorError('INVALID_CONFIG', `${file} holds no PEM block`);
    for (const b of blocks) keys.push(parse(b.der, file));
  }
  if (source.trustedRoot !== undefined) {
    let root: { tlogs?: unknown; ctlogs?: unknown };
    try {
      root = JSON.parse(read(source.trustedRoot)) as typeof root;
    } catch (e) {
      if (e instanceof MonitorError) throw e;
      throw new MonitorError('INVALID_CONFIG', `${source.trustedRoot} is not JSON`);
    }
    for (const list of [root.tlogs, root.ctlogs]) {
      if (!Array.isArray(list)) continue;
      for (const log of list as { publicKey?: { rawBytes?: unknown } }[]) {
        const raw = log?.publicKey?.rawBytes;
        if (typeof raw === 'string') keys.push(parse(Buffer.from(raw, 'base64'), source.trustedRoot));
      }
    }
  }
  if (keys.length === 0) throw new MonitorError('INVALID_CONFIG', 'no log key: give log.publicKeyFile or log.trustedRoot in the config (or --public-key / --trusted-root)');
  return keys;
}

/**
 * Note verifiers for the signature lines of `note` made by one of `keys`. The key name
 * comes from the signature line itself (a Rekor v1 checkpoint is signed as `<host>`, not
 * as its origin); what binds the signature to a key is the key hint and the signature,
 * and the origin is pinned separately (state, config). Unknown or unsupported key types
 * yield no verifier.
 */
export function noteVerifiersFor(note: string, keys: readonly VerificationKey[]): NoteVerifier[] {
  let names: string[];
  try {
    names = [...new Set(parseNote(note).signatures.map((s) => s.name))];
  } catch {
    return [];
  }
  const out: NoteVerifier[] = [];
  for (const name of names) {
    for (const k of keys) {
      try {
        if (k.kind === 'ed25519') out.push(createEd25519NoteVerifier(name, k.key));
        else if (k.kind === 'ecdsa-p256' || k.kind === 'ecdsa-p384') out.push(createEcdsaNoteVerifier(name, k.key));
      } catch {
        // a name the note format refuses: that signature line cannot verify anyway
      }
    }
  }
  return out;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new MonitorError('INVALID_CONFIG', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

function parse(der: Buffer, file: string): VerificationKey {
  try {
    return parseVerificationKey(der);
  } catch (e) {
    throw new MonitorError('INVALID_CONFIG', `${file}: not a usable public key: ${(e as Error).message}`, { cause: e });
  }
}
