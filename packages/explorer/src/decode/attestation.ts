import { ExplorerError, fromBase64, fromUtf8 } from '../bytes.js';

/** An attestation larger than this is refused, not decoded (the page must stay responsive). */
export const MAX_ATTESTATION_BYTES = 4 * 1024 * 1024;
/** At most this many subjects, materials or components are listed. */
export const MAX_LISTED = 20;

/** A summary of an in-toto statement: every string is untrusted text for textContent. */
export interface AttestationSummary {
  payloadType: string;
  statementType: string;
  predicateType: string;
  subjects: { name: string; digest: string }[];
  /** Lines that describe the predicate: builder, build type, SBOM format and components. */
  facts: { label: string; value: string }[];
  /** The payload bytes (for hashing against the entry). */
  payload: Uint8Array;
}

/**
 * Finds the DSSE envelope in a Sigstore bundle, a bare DSSE envelope or an in-toto
 * statement pasted as is, and summarises the statement: SLSA provenance (v0.2 and
 * v1) and SBOMs (CycloneDX, SPDX). Throws TOO_LARGE / BAD_ENTRY.
 */
export function summariseAttestation(text: string): AttestationSummary {
  if (text.length > MAX_ATTESTATION_BYTES) throw new ExplorerError('TOO_LARGE', `an attestation over ${MAX_ATTESTATION_BYTES} bytes is not decoded`);
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ExplorerError('BAD_ENTRY', 'the attestation is not JSON');
  }
  const env = doc?.dsseEnvelope ?? (typeof doc?.payload === 'string' ? doc : undefined);
  let payload: Uint8Array;
  let payloadType = 'application/vnd.in-toto+json';
  if (env) {
    if (typeof env.payload !== 'string') throw new ExplorerError('BAD_ENTRY', 'the DSSE envelope has no payload');
    payload = fromBase64(env.payload, 'DSSE payload');
    if (typeof env.payloadType === 'string') payloadType = env.payloadType;
  } else {
    payload = new TextEncoder().encode(text);
  }
  let st: any;
  try {
    st = JSON.parse(fromUtf8(payload, 'DSSE payload'));
  } catch (e) {
    if (e instanceof ExplorerError) throw e;
    throw new ExplorerError('BAD_ENTRY', 'the DSSE payload is not JSON');
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v).slice(0, 200));
  const subjects = (Array.isArray(st?.subject) ? st.subject : []).slice(0, MAX_LISTED).map((s: any) => ({
    name: str(s?.name),
    digest: Object.entries(s?.digest ?? {})
      .map(([k, v]) => `${k}:${str(v)}`)
      .join(' '),
  }));
  const predicateType = str(st?.predicateType);
  const p = st?.predicate ?? {};
  const facts: { label: string; value: string }[] = [];
  if (predicateType.startsWith('https://slsa.dev/provenance/v1')) {
    facts.push({ label: 'SLSA', value: 'provenance v1' });
    facts.push({ label: 'builder', value: str(p.runDetails?.builder?.id) });
    facts.push({ label: 'build type', value: str(p.buildDefinition?.buildType) });
    const deps = Array.isArray(p.buildDefinition?.resolvedDependencies) ? p.buildDefinition.resolvedDependencies : [];
    facts.push({ label: 'resolved dependencies', value: String(deps.length) });
    for (const d of deps.slice(0, MAX_LISTED)) facts.push({ label: 'dependency', value: str(d?.uri) });
    if (p.runDetails?.metadata?.invocationId) facts.push({ label: 'invocation', value: str(p.runDetails.metadata.invocationId) });
  } else if (predicateType.startsWith('https://slsa.dev/provenance/v0.2')) {
    facts.push({ label: 'SLSA', value: 'provenance v0.2' });
    facts.push({ label: 'builder', value: str(p.builder?.id) });
    facts.push({ label: 'build type', value: str(p.buildType) });
    const mats = Array.isArray(p.materials) ? p.materials : [];
    facts.push({ label: 'materials', value: String(mats.length) });
    for (const m of mats.slice(0, MAX_LISTED)) facts.push({ label: 'material', value: str(m?.uri) });
  } else if (predicateType.startsWith('https://cyclonedx.org/bom') || p?.bomFormat === 'CycloneDX') {
    const comps = Array.isArray(p.components) ? p.components : [];
    facts.push({ label: 'SBOM', value: `CycloneDX ${str(p.specVersion)}` });
    facts.push({ label: 'components', value: String(comps.length) });
    for (const c of comps.slice(0, MAX_LISTED)) facts.push({ label: 'component', value: `${str(c?.name)} ${str(c?.version)}`.trim() });
  } else if (predicateType.startsWith('https://spdx.dev/Document') || typeof p?.spdxVersion === 'string') {
    const pkgs = Array.isArray(p.packages) ? p.packages : [];
    facts.push({ label: 'SBOM', value: `SPDX ${str(p.spdxVersion)}` });
    facts.push({ label: 'packages', value: String(pkgs.length) });
    for (const c of pkgs.slice(0, MAX_LISTED)) facts.push({ label: 'package', value: `${str(c?.name)} ${str(c?.versionInfo)}`.trim() });
  } else {
    facts.push({ label: 'predicate', value: 'not a SLSA provenance or SBOM: shown as its type only' });
  }
  return { payloadType, statementType: str(st?._type), predicateType, subjects, facts, payload };
}
