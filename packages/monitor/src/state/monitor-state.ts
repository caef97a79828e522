import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@sigstack/core';
import { MonitorError } from '../errors.js';
import type { LogKind, VerifiedHead } from '../log/log-source.js';

/** The state file's format version. */
export const MONITOR_STATE_VERSION = 1;

/**
 * The last verified tree head of one log, persisted after every poll that verified it.
 * The file names its log (URL and kind): a state file is never applied to another log.
 */
export interface MonitorState {
  version: typeof MONITOR_STATE_VERSION;
  url: string;
  kind: LogKind;
  origin: string;
  size: number;
  /** Hex. */
  rootHash: string;
  /** The signed checkpoint / STH as served: evidence for a later fork. */
  signed: string;
  /** When it was verified (ISO 8601). */
  verifiedAt: string;
}

/** Reads the state file; undefined when there is none yet. Throws STATE_FAILED for a file that is unreadable, not ours, or for another log. */
export function readMonitorState(path: string, log: { url: string; kind: LogKind }): MonitorState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MonitorError('STATE_FAILED', `cannot read state ${path}: ${(e as Error).message}`, { cause: e });
  }
  let s: MonitorState;
  try {
    s = JSON.parse(text) as MonitorState;
  } catch {
    throw new MonitorError('STATE_FAILED', `state ${path} is not JSON`);
  }
  if (
    s?.version !== MONITOR_STATE_VERSION ||
    typeof s.origin !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    s.size < 0 ||
    typeof s.rootHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(s.rootHash)
  )
    throw new MonitorError('STATE_FAILED', `state ${path} is not a version ${MONITOR_STATE_VERSION} monitor state`);
  if (s.url !== log.url || s.kind !== log.kind)
    throw new MonitorError('STATE_FAILED', `state ${path} belongs to ${s.kind} ${s.url}, not ${log.kind} ${log.url}: use another --state file`);
  return s;
}

/**
 * Writes the state atomically (temp file, fsync, rename, fsync of the directory). A
 * crash before the rename leaves the previous state: the next poll re-verifies from
 * there and may repeat identity alerts for entries already reported (at least once,
 * never lost).
 */
export function writeMonitorState(path: string, log: { url: string; kind: LogKind }, head: VerifiedHead, now: Date): MonitorState {
  const s: MonitorState = {
    version: MONITOR_STATE_VERSION,
    url: log.url,
    kind: log.kind,
    origin: head.origin,
    size: head.size,
    rootHash: head.rootHash.toString('hex'),
    signed: head.signed,
    verifiedAt: now.toISOString(),
  };
  try {
    writeFileAtomic(path, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644 });
  } catch (e) {
    throw new MonitorError('STATE_FAILED', `cannot write state ${path}: ${(e as Error).message}`, { cause: e });
  }
  return s;
}
