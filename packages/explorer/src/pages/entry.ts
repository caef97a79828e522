import { getJson } from '../api.js';
import { sha256, toHex } from '../bytes.js';
import { clip, el, facts } from '../dom.js';
import { summariseAttestation } from '../decode/attestation.js';
import { decodeCertificate, pemBlocks, type CertificateSummary } from '../decode/certificate.js';
import { decodeBody, toRekorEntries, type DecodedBody } from '../decode/entry.js';
import type { LoadedTrust } from '../trust.js';
import { checkRekorEntry, type Check } from '../verify/entry-checks.js';

export function checksView(checks: Check[], trust: LoadedTrust): HTMLElement {
  const ok = checks.filter((c) => c.id !== 'set' || c.detail !== 'the entry has none').every((c) => c.ok);
  return el(
    'section',
    { class: 'checks' },
    el('h2', {}, 'Checked in this browser'),
    el('p', { id: 'verdict', class: ok ? 'ok' : 'fail', data: { status: ok ? 'ok' : 'fail' } }, ok ? '✔ Verified in this browser' : '✘ Verification FAILED'),
    el(
      'ul',
      {},
      ...checks.map((c) => el('li', { class: c.ok ? 'ok' : 'fail', data: { check: c.id, status: c.ok ? 'ok' : 'fail' } }, el('strong', {}, `${c.ok ? '✔' : '✘'} ${c.title}`), ' — ', clip(c.detail))),
    ),
    el('p', { class: 'muted' }, `Log keys: ${trust.source}. The page does not check TUF signatures: pin the trust root through TUF and compare the key fingerprints on the log pages.`),
  );
}

export function certificateView(c: CertificateSummary, trust: LoadedTrust): HTMLElement {
  const now = Date.now();
  return el(
    'section',
    { data: { role: 'certificate' } },
    el('h2', {}, 'Signing certificate'),
    facts([
      ['identity', el('span', { data: { role: 'identity' } }, clip(c.sans.join(', ') || '(none)'))],
      ['OIDC issuer', clip(c.extensions.find((x) => x.oid.endsWith('57264.1.8'))?.value ?? c.extensions.find((x) => x.oid.endsWith('57264.1.1'))?.value ?? '(none)')],
      ['subject', clip(c.subject || '(empty)')],
      ['issuer', clip(c.issuer)],
      ['valid', `${c.notBefore.toISOString()} → ${c.notAfter.toISOString()} (${Math.round((c.notAfter.getTime() - c.notBefore.getTime()) / 1000)} s${c.notAfter.getTime() < now ? ', expired: normal for Fulcio, the log entry proves it signed in time' : ''})`],
      ['serial', c.serialHex],
    ]),
    el('h3', {}, 'Extensions'),
    el(
      'table',
      { class: 'facts' },
      ...c.extensions.map((x) => el('tr', {}, el('th', {}, x.name, x.critical ? ' (critical)' : ''), el('td', {}, clip(x.value)))),
    ),
    el('h3', {}, 'Signed certificate timestamps'),
    c.scts.length === 0
      ? el('p', {}, 'none embedded')
      : el(
          'ul',
          {},
          ...c.scts.map((s) => {
            const log = trust.ctlogs.find((l) => toHex(l.logId) === s.logIdHex);
            return el('li', {}, `${new Date(s.timestamp).toISOString()} from ${log ? `the trusted CT log at ${log.baseUrl}` : `an unknown CT log ${s.logIdHex}`} (SCT signature not checked by the page)`);
          }),
        ),
  );
}

function attestationView(body: DecodedBody): HTMLElement {
  const out = el('div', { data: { role: 'attestation-result' } });
  const input = el('input', { type: 'file', name: 'attestation' });
  input.addEventListener('change', async () => {
    out.replaceChildren();
    const file = input.files?.[0];
    if (!file) return;
    try {
      const s = summariseAttestation(await file.text());
      const digest = `sha256:${toHex(await sha256(s.payload))}`;
      const matches = body.artifactHash === digest;
      out.append(
        el('p', { class: matches ? 'ok' : 'fail' }, matches ? '✔ the payload hash matches this entry' : `✘ the payload hash ${digest} is not this entry's ${body.artifactHash ?? '(none)'}`),
        facts([
          ['payload type', clip(s.payloadType)],
          ['statement', clip(s.statementType)],
          ['predicate type', clip(s.predicateType)],
          ...s.subjects.map((x): [string, string] => ['subject', clip(`${x.name} ${x.digest}`)]),
          ...s.facts.map((f): [string, string] => [f.label, clip(f.value)]),
        ]),
      );
    } catch (e) {
      out.append(el('p', { class: 'error' }, `Not decoded: ${(e as Error).message}`));
    }
  });
  return el(
    'section',
    {},
    el('h2', {}, 'Attestation'),
    el('p', { class: 'muted' }, 'The log keeps only the hash of a DSSE payload. Open the bundle or envelope to decode its SLSA provenance or SBOM here; nothing is uploaded.'),
    input,
    out,
  );
}

/** The entry page: decode, then check, a Rekor v1 entry by UUID. */
export async function renderEntry(root: HTMLElement, uuid: string, trust: LoadedTrust): Promise<void> {
  if (!/^[0-9a-f]{64}(?:[0-9a-f]{16})?$/.test(uuid)) {
    root.append(el('p', { class: 'error', data: { role: 'query-error' } }, 'An entry UUID is 64 or 80 hex digits.'));
    return;
  }
  const [entry] = toRekorEntries(await getJson(`/api/v1/log/entries/${uuid}`));
  if (!entry) throw new Error('the log returned no entry');
  root.append(el('h1', {}, `Rekor v1 entry ${entry.logIndex}`));
  const checksSlot = el('div', {}, el('p', { class: 'muted' }, 'verifying…'));
  root.append(checksSlot);
  let body: DecodedBody | undefined;
  try {
    body = decodeBody(entry.body);
  } catch (e) {
    root.append(el('p', { class: 'error' }, `The body does not decode: ${(e as Error).message}`));
  }
  root.append(
    el('h2', {}, 'Entry'),
    facts([
      ['UUID', el('span', { class: 'mono' }, entry.uuid)],
      ['log index', String(entry.logIndex)],
      ['integrated', new Date(entry.integratedTime * 1000).toISOString()],
      ['kind', body ? `${body.kind} ${body.apiVersion}` : '?'],
      ['artifact hash', el('span', { class: 'mono', data: { role: 'artifact-hash' } }, clip(body?.artifactHash ?? '(none)'))],
    ]),
  );
  const certDer = body?.verifierPem ? pemBlocks(body.verifierPem, 'CERTIFICATE')[0] : undefined;
  if (certDer) {
    try {
      root.append(certificateView(decodeCertificate(certDer), trust));
    } catch (e) {
      root.append(el('p', { class: 'error' }, `The certificate does not decode: ${(e as Error).message}`));
    }
  } else if (body?.verifierPem) {
    root.append(el('h2', {}, 'Public key'), el('pre', {}, clip(body.verifierPem, 2048)));
  }
  if (body && (body.kind === 'dsse' || body.kind === 'intoto')) root.append(attestationView(body));
  checksSlot.replaceChildren(checksView(await checkRekorEntry(entry, trust.tlogs), trust));
}
