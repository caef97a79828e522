import { getJson, postJson } from '../api.js';
import { ExplorerError } from '../bytes.js';
import { el } from '../dom.js';
import { decodeBody, toRekorEntries, type RekorEntry } from '../decode/entry.js';
import { decodeCertificate, pemBlocks } from '../decode/certificate.js';
import { parseSearchQuery, type SearchQuery } from '../search-query.js';

/** At most this many entries are fetched for one search (the index answers with up to Rekor's own limit). */
export const MAX_RESULTS = 50;

/** Entry UUIDs (Rekor v1 search index) for a validated query. */
async function findUuids(q: SearchQuery): Promise<string[]> {
  const index = (body: unknown) => postJson('/api/v1/index/retrieve', body) as Promise<string[]>;
  switch (q.kind) {
    case 'hash':
      return index({ hash: `${q.algorithm}:${q.hex}` });
    case 'email':
      return index({ email: q.email });
    case 'subject':
      return index({ subject: q.subject });
    case 'public-key':
      return index({ publicKey: { format: 'x509', content: btoa(q.pem) } });
    case 'uuid':
      return [q.uuid];
    case 'hash-or-uuid': {
      const byHash = await index({ hash: `sha256:${q.hex}` });
      return byHash.length > 0 ? byHash : [q.hex];
    }
    case 'log-index':
      return [];
  }
}

async function fetchEntries(q: SearchQuery): Promise<RekorEntry[]> {
  if (q.kind === 'log-index') return toRekorEntries(await getJson(`/api/v1/log/entries?logIndex=${q.index}`));
  const uuids = (await findUuids(q)).filter((u) => typeof u === 'string').slice(0, MAX_RESULTS);
  if (uuids.length === 0) return [];
  try {
    return toRekorEntries(await postJson('/api/v1/log/entries/retrieve', { entryUUIDs: uuids }));
  } catch (e) {
    // A 64-hex term that is neither an indexed hash nor a UUID: no result rather than an error.
    if (q.kind === 'hash-or-uuid' && e instanceof ExplorerError && e.code === 'FETCH_FAILED') return [];
    throw e;
  }
}

function identityOf(e: RekorEntry): string {
  try {
    const body = decodeBody(e.body);
    const der = body.verifierPem ? pemBlocks(body.verifierPem, 'CERTIFICATE')[0] : undefined;
    if (der) return decodeCertificate(der).sans.join(', ') || '(no SAN)';
    return body.verifierPem ? 'public key' : '';
  } catch {
    return '(undecodable)';
  }
}

/** The search results page: one row per entry, linking to its entry page. */
export async function renderSearch(root: HTMLElement, term: string): Promise<void> {
  let q: SearchQuery;
  try {
    q = parseSearchQuery(term);
  } catch (e) {
    root.append(el('p', { class: 'error', data: { role: 'query-error' } }, `Search refused: ${(e as Error).message}`));
    return;
  }
  root.append(el('p', { class: 'muted' }, `Searching the Rekor v1 index by ${q.kind.replace('-', ' ')}…`));
  const entries = await fetchEntries(q);
  root.lastElementChild?.remove();
  if (entries.length === 0) {
    root.append(el('p', { data: { role: 'no-results' } }, 'No entry matches.'));
    return;
  }
  root.append(
    el('p', {}, `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`),
    el(
      'table',
      { class: 'results' },
      el('tr', {}, el('th', {}, 'log index'), el('th', {}, 'integrated'), el('th', {}, 'kind'), el('th', {}, 'identity'), el('th', {}, 'UUID')),
      ...entries.map((e) => {
        let kind = '?';
        try {
          const b = decodeBody(e.body);
          kind = `${b.kind} ${b.apiVersion}`;
        } catch {
          // shown as '?'
        }
        return el(
          'tr',
          { data: { role: 'result' } },
          el('td', {}, el('a', { href: `#/entry/${e.uuid}` }, String(e.logIndex))),
          el('td', {}, new Date(e.integratedTime * 1000).toISOString()),
          el('td', {}, kind),
          el('td', {}, identityOf(e)),
          el('td', { class: 'mono' }, el('a', { href: `#/entry/${e.uuid}` }, e.uuid)),
        );
      }),
    ),
  );
}
