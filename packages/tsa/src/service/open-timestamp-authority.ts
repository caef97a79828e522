import type { Clock, Signer } from '@sigstack/core';
import type { Accuracy } from '../asn1/accuracy.js';
import { TsaError } from '../errors.js';
import { openDevChain } from './dev-chain.js';
import { TimestampAuthority } from './timestamp-authority.js';

export interface OpenTimestampAuthorityOptions {
  /**
   * Directory of the development chain and keys (service/dev-chain.ts), used when
   * `signer` and `chain` are not given.
   */
  dir?: string;
  /** Generate the development chain in `dir` when it is missing (default true; production: false). */
  create?: boolean;
  /** The stack's one clock; genTime and the development certificates' notBefore come from it. */
  clock: Clock;
  /** Policy OID to issue under and to accept. Default DEFAULT_POLICY_OID (1.3.6.1.4.1.57264.2). */
  policyOid?: string;
  /** Production: the TSA key (e.g. on an HSM), given together with `chain`. */
  signer?: Signer;
  /** The leaf key of the chain in `dir` when it is not keys/tsa-leaf.pem (a key on an HSM); a generated chain certifies it. */
  leafSigner?: Signer;
  /** Production: the certificate chain, DER, leaf first, root last, made in a ceremony. */
  chain?: Buffer[];
  accuracy?: Accuracy;
  includeChain?: boolean;
  randomBytes?: (n: number) => Buffer;
}

/**
 * Opens the timestamp authority: with `signer` + `chain` as given (both or neither),
 * otherwise with the development chain in `dir`, created on first use.
 */
export async function openTimestampAuthority(opts: OpenTimestampAuthorityOptions): Promise<TimestampAuthority> {
  if ((opts.signer === undefined) !== (opts.chain === undefined))
    throw new TsaError('INVALID_OPTIONS', 'give both signer and chain (production) or neither (development chain in dir)');
  let signer = opts.signer;
  let chain = opts.chain;
  if (!signer || !chain) {
    if (!opts.dir) throw new TsaError('INVALID_OPTIONS', 'dir is required for the development chain when signer and chain are not given');
    ({ signer, chain } = await openDevChain({
      dir: opts.dir,
      clock: opts.clock,
      ...(opts.create !== undefined ? { create: opts.create } : {}),
      ...(opts.leafSigner ? { leafSigner: opts.leafSigner } : {}),
    }));
  }
  return new TimestampAuthority({
    signer,
    chain,
    clock: opts.clock,
    ...(opts.policyOid !== undefined ? { policyOid: opts.policyOid } : {}),
    ...(opts.accuracy !== undefined ? { accuracy: opts.accuracy } : {}),
    ...(opts.includeChain !== undefined ? { includeChain: opts.includeChain } : {}),
    ...(opts.randomBytes !== undefined ? { randomBytes: opts.randomBytes } : {}),
  });
}
