import { ClientError } from '../errors.js';

/** The in-toto statement type cosign writes (v0.1; v1 is read as well). */
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** cosign's `--type` short names and the predicate type URIs they stand for. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

/** A short name or a URI, as cosign's --type takes it. */
export function predicateTypeUri(type: string): string {
  const known = PREDICATE_TYPES[type];
  if (known) return known;
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(type)) return type;
  throw new ClientError('USAGE', `--type: "${type}" is neither a predicate type name (${Object.keys(PREDICATE_TYPES).join('|')}) nor a URI`);
}

export interface StatementSubject {
  name: string;
  /** Lowercase hex SHA-256. */
  sha256: string;
}

/** The in-toto statement cosign's attest-blob builds around a predicate (see predicateBody). */
export function buildStatement(predicate: Buffer, type: string, subject: StatementSubject, now: Date = new Date()): Buffer {
  const predicateType = predicateTypeUri(type);
  const body = predicateBody(predicate, type, now);
  return Buffer.from(
    JSON.stringify({ _type: STATEMENT_V01, subject: [{ name: subject.name, digest: { sha256: subject.sha256 } }], predicateType, predicate: body }),
    'utf8',
  );
}

/**
 * The predicate as cosign puts it into a statement: `custom` wraps the file's text as
 * `{Data, Timestamp}`, `spdx` (tag-value SPDX) keeps it as a string, every other type
 * must be a JSON object.
 */
export function predicateBody(predicate: Buffer, type: string, now: Date = new Date()): unknown {
  if (predicateTypeUri(type) === PREDICATE_TYPES['custom']) return { Data: predicate.toString('utf8'), Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  if (type === 'spdx') return predicate.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(predicate.toString('utf8'));
  } catch (cause) {
    throw new ClientError('ARTIFACT_INVALID', `--predicate: not JSON, which the ${type} predicate type must be: ${(cause as Error).message}`, { cause });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ClientError('ARTIFACT_INVALID', `--predicate: a ${type} predicate must be a JSON object`);
  return body;
}

export interface Statement {
  _type: string;
  subject: { name?: string; digest: Record<string, string>; annotations?: Record<string, unknown> }[];
  predicateType: string;
  predicate?: unknown;
}

/** Reads a DSSE payload as an in-toto statement, strictly. */
export function parseStatement(payload: Buffer, payloadType: string | undefined): Statement {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new ClientError('VERIFY_ATTESTATION', `payload type "${payloadType}" is not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})`);
  let s: unknown;
  try {
    s = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    throw new ClientError('VERIFY_ATTESTATION', `the attestation's payload is not JSON: ${(cause as Error).message}`, { cause });
  }
  const st = s as Partial<Statement>;
  if (typeof s !== 'object' || s === null || (st._type !== STATEMENT_V01 && st._type !== STATEMENT_V1))
    throw new ClientError('VERIFY_ATTESTATION', `the attestation's payload is not an in-toto statement (_type ${JSON.stringify(st?._type)})`);
  if (typeof st.predicateType !== 'string') throw new ClientError('VERIFY_ATTESTATION', 'the in-toto statement has no predicateType');
  if (!Array.isArray(st.subject) || st.subject.some((x) => typeof x !== 'object' || x === null || typeof x.digest !== 'object' || x.digest === null))
    throw new ClientError('VERIFY_ATTESTATION', 'the in-toto statement has no valid subject list');
  return st as Statement;
}

/**
 * cosign's claim checks: the predicate type is the one asked for, and (when the
 * artifact is known) one subject carries its SHA-256.
 */
export function checkStatement(statement: Statement, want: { predicateType?: string; sha256?: string }): void {
  if (want.predicateType !== undefined && statement.predicateType !== want.predicateType)
    throw new ClientError('VERIFY_ATTESTATION', `the attestation's predicate type is ${statement.predicateType}, not ${want.predicateType}`);
  if (want.sha256 !== undefined) {
    const hex = want.sha256.toLowerCase();
    if (!statement.subject.some((s) => typeof s.digest['sha256'] === 'string' && s.digest['sha256'].toLowerCase() === hex))
      throw new ClientError('VERIFY_ATTESTATION', `no subject of the attestation has the artifact's sha256 ${hex}: it attests something else`);
  }
}
