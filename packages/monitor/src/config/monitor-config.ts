import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EXTENSION_FIELDS } from '@sigstack/oidc';
import { MonitorError } from '../errors.js';

/**
 * The watch config, in rekor-monitor's shape (github.com/sigstore/rekor-monitor README,
 * pkg/identity): `monitoredValues` with `certIdentities` (certSubject regexp + optional
 * issuer regexps), `subjects` (regexps) and `fingerprints`, plus `startIndex`. Regexps
 * are unanchored, as Go's MatchString is: write `^…$` to match a whole name. Ours adds
 * `log`, which says how to trust the log's checkpoints (rekor-monitor takes the key
 * from TUF; we take it from a file, so the monitor works offline and for any log).
 *
 *   log:
 *     publicKeyFile: trust/rekor.pub          # PEM public key(s) of the log, or
 *     trustedRoot: trust/trusted_root.json    # every tlog/ctlog key of a trusted root
 *     origin: "rekor.example - 1234"          # optional: the checkpoint origin to require
 *   startIndex: 0                             # optional: first run scans from here
 *   monitoredValues:
 *     certIdentities:
 *       - certSubject: ^alice@example\.com$
 *         issuers: [^https://accounts\.example\.com$]
 *     subjects: [^bob@example\.com$]
 *     fingerprints: [3f1c…]                   # SHA-256 (hex) of a certificate or public key (DER)
 *     oidMatchers:                            # a certificate extension equal to one of the values
 *       fulcioExtensions: { build-config-uri: [https://…] }   # Fulcio's names (oidc EXTENSION_FIELDS)
 *       oidExtensions: [{ objectIdentifier: [1, 3, 6, 1, 4, 1, 57264, 1, 1], extensionValues: [https://…] }]
 *       customExtensions: [{ objectIdentifier: 1.3.6.1.4.1.57264.1.9, extensionValues: [https://…] }]
 */
export interface MonitorConfig {
  log: { publicKeyFiles: string[]; trustedRoot?: string; origin?: string };
  startIndex?: number;
  monitoredValues: MonitoredValues;
}

export interface MonitoredValues {
  certIdentities: { certSubject: RegExp; issuers: RegExp[] }[];
  subjects: RegExp[];
  /** Lower-case hex. */
  fingerprints: string[];
  /** oidMatchers, all three forms, as dotted OIDs with the exact values to match. */
  oidExtensions: { objectIdentifier: string; extensionValues: string[] }[];
}

/** The most identities one config may watch (each is tried against every new entry). */
export const MAX_MONITORED_VALUES = 1000;

/** Reads and validates a YAML or JSON watch config; relative paths are taken from the file's directory. Throws INVALID_CONFIG. */
export function readMonitorConfig(path: string): MonitorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MonitorError('INVALID_CONFIG', `cannot read config ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseMonitorConfig(text, dirname(resolve(path)));
}

/** Parses a YAML (or JSON, a subset) watch config. Throws INVALID_CONFIG naming the field. */
export function parseMonitorConfig(text: string, baseDir = process.cwd()): MonitorConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw bad(`not YAML or JSON: ${(e as Error).message}`);
  }
  raw ??= {};
  const top = object(raw, 'config');
  allowOnly(top, ['log', 'startIndex', 'endIndex', 'monitoredValues', 'outputIdentities', 'outputIdentitiesFormat', 'logInfoFile', 'identityMetadataFile'], 'config');
  const log = top.log === undefined ? {} : object(top.log, 'log');
  allowOnly(log, ['publicKeyFile', 'trustedRoot', 'origin'], 'log');
  const keyFiles = log.publicKeyFile === undefined ? [] : Array.isArray(log.publicKeyFile) ? log.publicKeyFile : [log.publicKeyFile];
  const mv = top.monitoredValues === undefined ? {} : object(top.monitoredValues, 'monitoredValues');
  allowOnly(mv, ['certIdentities', 'subjects', 'fingerprints', 'oidMatchers'], 'monitoredValues');
  const certIdentities = list(mv.certIdentities, 'monitoredValues.certIdentities').map((c, i) => {
    const where = `monitoredValues.certIdentities[${i}]`;
    const o = object(c, where);
    allowOnly(o, ['certSubject', 'issuers'], where);
    return {
      certSubject: regexp(o.certSubject, `${where}.certSubject`),
      issuers: list(o.issuers, `${where}.issuers`).map((s, j) => regexp(s, `${where}.issuers[${j}]`)),
    };
  });
  const subjects = list(mv.subjects, 'monitoredValues.subjects').map((s, i) => regexp(s, `monitoredValues.subjects[${i}]`));
  const fingerprints = list(mv.fingerprints, 'monitoredValues.fingerprints').map((f, i) => {
    const s = string(f, `monitoredValues.fingerprints[${i}]`).replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]{2,64}$/.test(s)) throw bad(`monitoredValues.fingerprints[${i}] is not a hex SHA-256 fingerprint`);
    return s;
  });
  const oidExtensions = mv.oidMatchers === undefined ? [] : oidMatchers(mv.oidMatchers);
  if (certIdentities.length + subjects.length + fingerprints.length + oidExtensions.length > MAX_MONITORED_VALUES)
    throw bad(`more than ${MAX_MONITORED_VALUES} monitored values`);
  const config: MonitorConfig = {
    log: { publicKeyFiles: keyFiles.map((f, i) => resolve(baseDir, string(f, `log.publicKeyFile[${i}]`))) },
    monitoredValues: { certIdentities, subjects, fingerprints, oidExtensions },
  };
  if (log.trustedRoot !== undefined) config.log.trustedRoot = resolve(baseDir, string(log.trustedRoot, 'log.trustedRoot'));
  if (log.origin !== undefined) config.log.origin = string(log.origin, 'log.origin');
  if (top.startIndex !== undefined) {
    if (!Number.isSafeInteger(top.startIndex) || (top.startIndex as number) < 0) throw bad('startIndex must be a non-negative integer');
    config.startIndex = top.startIndex as number;
  }
  return config;
}

/** rekor-monitor's oidMatchers (pkg/fulcio/extensions): three spellings of "extension OID has one of these values". */
function oidMatchers(raw: unknown): MonitoredValues['oidExtensions'] {
  const where = 'monitoredValues.oidMatchers';
  const o = object(raw, where);
  allowOnly(o, ['fulcioExtensions', 'oidExtensions', 'customExtensions'], where);
  const out: MonitoredValues['oidExtensions'] = [];
  const values = (v: unknown, w: string) => {
    const l = list(v, w).map((x, i) => string(x, `${w}[${i}]`));
    if (l.length === 0) throw bad(`${w} must list at least one value`);
    return l;
  };
  if (o.fulcioExtensions !== undefined) {
    const f = object(o.fulcioExtensions, `${where}.fulcioExtensions`);
    for (const [name, v] of Object.entries(f)) {
      const field = EXTENSION_FIELDS.find((e) => e.name === name);
      if (!field) throw bad(`${where}.fulcioExtensions: unknown extension ${JSON.stringify(name)} (one of ${EXTENSION_FIELDS.map((e) => e.name).join(', ')})`);
      out.push({ objectIdentifier: field.oid, extensionValues: values(v, `${where}.fulcioExtensions.${name}`) });
    }
  }
  list(o.oidExtensions, `${where}.oidExtensions`).forEach((e, i) => {
    const w = `${where}.oidExtensions[${i}]`;
    const x = object(e, w);
    allowOnly(x, ['objectIdentifier', 'extensionValues'], w);
    const arcs = list(x.objectIdentifier, `${w}.objectIdentifier`);
    if (arcs.length < 2 || !arcs.every((a) => Number.isSafeInteger(a) && (a as number) >= 0)) throw bad(`${w}.objectIdentifier must be a list of non-negative integers`);
    out.push({ objectIdentifier: arcs.join('.'), extensionValues: values(x.extensionValues, `${w}.extensionValues`) });
  });
  list(o.customExtensions, `${where}.customExtensions`).forEach((e, i) => {
    const w = `${where}.customExtensions[${i}]`;
    const x = object(e, w);
    allowOnly(x, ['objectIdentifier', 'extensionValues'], w);
    const oid = string(x.objectIdentifier, `${w}.objectIdentifier`);
    if (!/^[0-9]+(\.[0-9]+)+$/.test(oid)) throw bad(`${w}.objectIdentifier must be a dotted OID`);
    out.push({ objectIdentifier: oid, extensionValues: values(x.extensionValues, `${w}.extensionValues`) });
  });
  return out;
}

function bad(message: string): MonitorError {
  return new MonitorError('INVALID_CONFIG', message);
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${where} must be a mapping`);
  return v as Record<string, unknown>;
}

function allowOnly(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw bad(`${where}: unknown field ${JSON.stringify(k)}`);
}

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${where} must be a list`);
  return v;
}

function string(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw bad(`${where} must be a non-empty string`);
  return v;
}

function regexp(v: unknown, where: string): RegExp {
  const s = string(v, where);
  try {
    // 'u': the pattern is read as Unicode, as RE2 reads UTF-8.
    return new RegExp(s, 'u');
  } catch (e) {
    throw bad(`${where} is not a valid regular expression: ${(e as Error).message}`);
  }
}
