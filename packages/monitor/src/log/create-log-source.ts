import type { VerificationKey } from '@sigstack/core';
import { MonitorError } from '../errors.js';
import { CtSource } from './ct-source.js';
import type { HttpGetOptions } from './http-get.js';
import { LOG_KINDS, type LogKind, type LogSource } from './log-source.js';
import { RekorV1Source } from './rekor-v1-source.js';
import { TilesSource } from './tiles-source.js';

/** The reader for a log of `kind` at `url` (http or https), trusting `keys`. Throws INVALID_CONFIG. */
export function createLogSource(kind: string, url: string, keys: readonly VerificationKey[], http: HttpGetOptions = {}): LogSource {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MonitorError('INVALID_CONFIG', `--url ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MonitorError('INVALID_CONFIG', `--url must be http or https, not ${u.protocol}`);
  if (u.search || u.hash) throw new MonitorError('INVALID_CONFIG', '--url must not have a query or fragment');
  switch (kind as LogKind) {
    case 'rekor-v1':
      return new RekorV1Source(url, keys, http);
    case 'tiles':
      return new TilesSource(url, keys, http);
    case 'ct':
      return new CtSource(url, keys, http);
    default:
      throw new MonitorError('INVALID_CONFIG', `--kind must be one of ${LOG_KINDS.join(', ')}, not ${JSON.stringify(kind)}`);
  }
}
