import { join } from 'node:path';
import type { Clock } from '@sigstack/core';
import { openCertificateAuthority, CA_CHAIN_FILE } from '@sigstack/fulcio';
import { openTimestampAuthority, TSA_CHAIN_FILE } from '@sigstack/tsa';
import type { StackConfig } from '../config.js';
import { identityOf, type HistoryKind, type KeyHistory } from '../trust/key-history.js';
import { TSA_PATH } from '../trust/trust-material.js';
import { rfc3339, type CertificateAuthorityJson } from '../trust/trusted-root.js';
import { generationDir, pendingGeneration, setActiveGeneration } from './key-generations.js';
import type { StackServices } from './open-services.js';

/**
 * `<dataDir>/sigstack.pid`: written by `sigstack up` while it serves, so that
 * `sigstack tsa|ca rotate` can send it SIGHUP, the signal that runs
 * adoptPendingRotations.
 */
export const STACK_PID_FILE = 'sigstack.pid';

/** Slack added to a retired key's `validFor.end`: what it signed in its last second still lies within. */
export const RETIRE_MARGIN_MS = 1000;

export interface KeyRotationContext {
  config: StackConfig;
  services: StackServices;
  history: KeyHistory;
  clock: Clock;
  /** The public URL (the trusted_root.json entries' `uri`). */
  url: string;
  /** Rebuilds `<dataDir>/trust` and the TUF targets from the services and the history; resolves once published. */
  republish(): Promise<void>;
  /**
   * When the stack cannot publish TUF targets itself (the ceremony's repository):
   * whether the served trusted_root.json already lists an entry. A new key signs
   * only once it does.
   */
  isPublished?(kind: HistoryKind, entry: CertificateAuthorityJson): boolean;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

export interface Rotation {
  service: 'tsa' | 'ca';
  generation: number;
  /** Done: the new key signs. Waiting: listed in trust/, not yet in the served TUF targets (operator repository). */
  state: 'done' | 'waiting-for-publication';
}

/**
 * Adopts the rotations staged in the data directory (`sigstack tsa rotate`,
 * `sigstack ca rotate`: a new generation with its own key and chain), while the
 * stack serves, in the order that keeps every signature verifiable:
 *
 * 1. the new key is listed in trusted_root.json (validFor.start = its certificate's
 *    notBefore) and published as a new TUF targets version, before it signs;
 * 2. the current key's entry gets its `validFor.end` (now, plus the lifetime of what
 *    it issued: a CA's last leaf stays usable for certValiditySeconds), recorded in
 *    the key history, and in the same tick the service swaps signer: requests under
 *    way finish with the old key (their times lie before the end), later ones get
 *    the new one, none is refused;
 * 3. the generation is made active on disk (the commit point; a crash before it
 *    re-runs the rotation on the next start, before the stack serves), and
 *    trusted_root.json is published again with the end.
 */
export async function adoptPendingRotations(ctx: KeyRotationContext): Promise<Rotation[]> {
  const done: Rotation[] = [];
  const tsa = await rotateTsa(ctx);
  if (tsa) done.push(tsa);
  const ca = await rotateCa(ctx);
  if (ca) done.push(ca);
  return done;
}

async function rotateTsa(ctx: KeyRotationContext): Promise<Rotation | undefined> {
  const { config, services } = ctx;
  const base = join(config.dataDir, 'tsa');
  const n = services.tsa ? pendingGeneration(base, TSA_CHAIN_FILE) : undefined;
  if (n === undefined || !services.tsa) return undefined;
  if (config.tsa.key) {
    ctx.log.warn({ generation: n }, `a TSA rotation is staged in ${generationDir(base, n)}, but tsa.key names a key outside the data directory: rotate it by changing tsa.key and the chain`);
    return undefined;
  }
  const next = await openTimestampAuthority({ dir: generationDir(base, n), create: false, clock: ctx.clock, ...(config.tsa.policyOid ? { policyOid: config.tsa.policyOid } : {}) });
  const uri = ctx.url + TSA_PATH;
  const entry = next.trustedRootEntry(uri);
  if (!(await listBeforeUse(ctx, 'timestampAuthorities', entry))) return { service: 'tsa', generation: n, state: 'waiting-for-publication' };
  const old = services.tsa.trustedRootEntry(uri);
  const end = Math.ceil(ctx.clock.now() / 1000) * 1000 + RETIRE_MARGIN_MS;
  ctx.history.update('timestampAuthorities', { put: [{ ...old, validFor: { ...old.validFor, end: rfc3339(end) } }], remove: [identityOf(entry)] });
  services.tsa = next;
  setActiveGeneration(base, n);
  await ctx.republish();
  ctx.log.info({ generation: n, retiredEnd: rfc3339(end) }, 'TSA rotated: the new leaf signs, the old one is listed until its end');
  return { service: 'tsa', generation: n, state: 'done' };
}

async function rotateCa(ctx: KeyRotationContext): Promise<Rotation | undefined> {
  const { config, services } = ctx;
  const base = join(config.dataDir, 'fulcio');
  const n = services.ca && services.fulcio ? pendingGeneration(base, CA_CHAIN_FILE) : undefined;
  if (n === undefined || !services.ca || !services.fulcio) return undefined;
  if (config.fulcio.key) {
    ctx.log.warn({ generation: n }, `a CA rotation is staged in ${generationDir(base, n)}, but fulcio.key names a key outside the data directory: rotate it by changing fulcio.key and the chain`);
    return undefined;
  }
  const next = await openCertificateAuthority({ dir: generationDir(base, n), create: false, algorithm: config.fulcio.caAlgorithm });
  if (!next.chainDer[next.chainDer.length - 1]!.equals(services.ca.chainDer[services.ca.chainDer.length - 1]!))
    throw new Error(`${generationDir(base, n)}: the new intermediate is not under the current root (the CT log accepts chains to that root only)`);
  const entry = next.trustedRootEntry(ctx.url);
  if (!(await listBeforeUse(ctx, 'certificateAuthorities', entry))) return { service: 'ca', generation: n, state: 'waiting-for-publication' };
  const old = services.ca.trustedRootEntry(ctx.url);
  // A leaf issued in the old intermediate's last second is used for its whole life:
  // its signatures are timestamped up to certValiditySeconds later.
  const end = Math.ceil(ctx.clock.now() / 1000) * 1000 + config.fulcio.certValiditySeconds * 1000 + RETIRE_MARGIN_MS;
  ctx.history.update('certificateAuthorities', { put: [{ ...old, validFor: { ...old.validFor, end: rfc3339(end) } }], remove: [identityOf(entry)] });
  services.fulcio.replaceCa(next);
  services.ca = next;
  setActiveGeneration(base, n);
  await ctx.republish();
  ctx.log.info({ generation: n, retiredEnd: rfc3339(end) }, 'CA rotated: the new intermediate issues, the old one is listed until its end');
  return { service: 'ca', generation: n, state: 'done' };
}

/** Step 1: the new key in the history and published; false while an operator repository does not list it yet. */
async function listBeforeUse(ctx: KeyRotationContext, kind: HistoryKind, entry: CertificateAuthorityJson): Promise<boolean> {
  ctx.history.update(kind, { put: [entry] });
  await ctx.republish();
  if (ctx.isPublished && !ctx.isPublished(kind, entry)) {
    ctx.log.warn(
      { kind },
      'the next key is listed in trust/trusted_root.json but not yet in the served TUF repository: publish trust/trusted_root.json through the ceremony (sigstack tuf add-target), then signal the stack again',
    );
    return false;
  }
  return true;
}
