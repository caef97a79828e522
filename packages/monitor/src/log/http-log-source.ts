import type { VerificationKey } from '@sigstack/core';
import { verifyConsistency } from '@sigstack/merkle';
import { MonitorError } from '../errors.js';
import { httpGetJson, joinUrl, type HttpGetOptions } from './http-get.js';
import type { LeafEntry, LogKind, LogSource, VerifiedHead } from './log-source.js';

/**
 * What the three log readers (CT, Rekor v1, tlog-tiles) share: the log's URL (no
 * trailing slash), the keys its heads must verify with, the HTTP options, JSON fetching
 * and the consistency check. Each reader only says how its API is spelled.
 */
export abstract class HttpLogSource implements LogSource {
  abstract readonly kind: LogKind;
  readonly url: string;
  protected readonly keys: readonly VerificationKey[];
  protected readonly http: HttpGetOptions;

  constructor(url: string, keys: readonly VerificationKey[], http: HttpGetOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.keys = keys;
    this.http = http;
  }

  abstract head(): Promise<VerifiedHead>;
  abstract proveConsistency(from: VerifiedHead, to: VerifiedHead): Promise<Buffer[]>;
  abstract entries(start: number, end: number, head: VerifiedHead): AsyncIterable<LeafEntry>;

  /** The URL of `path` below the log. */
  protected urlOf(path: string): string {
    return joinUrl(this.url, path);
  }

  /** GETs `where` and insists on a JSON object (BAD_RESPONSE otherwise). */
  protected async getObject(where: string): Promise<Record<string, unknown>> {
    return jsonObject(await httpGetJson(where, this.http), where);
  }
}

/**
 * Returns `proof` once it proves `to` extends `from`; throws FORK when it does not (the
 * log served two trees that cannot both be true).
 */
export function checkedConsistency(from: VerifiedHead, to: VerifiedHead, proof: Buffer[]): Buffer[] {
  try {
    verifyConsistency(from.size, to.size, proof, from.rootHash, to.rootHash);
    return proof;
  } catch (e) {
    throw new MonitorError('FORK', `tree ${to.size} is not an extension of the verified tree ${from.size}: ${(e as Error).message}`, { cause: e });
  }
}

export function badResponse(message: string): MonitorError {
  return new MonitorError('BAD_RESPONSE', message);
}

export function jsonObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badResponse(`${where}: expected a JSON object`);
  return v as Record<string, unknown>;
}
