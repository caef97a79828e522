import { getBytes, getText } from '../api.js';
import { ExplorerError, toBase64, toHex } from '../bytes.js';
import { clip, el, facts } from '../dom.js';
import { decodeCertificate, decodeTbsCertificate } from '../decode/certificate.js';
import { decodeCtLeaf, decodeRekorV2Entry } from '../decode/tile-entry.js';
import type { LoadedTrust } from '../trust.js';
import { verifyCheckpointSignature } from '../verify/log-keys.js';
import { parseCheckpoint } from '../verify/note.js';
import { checkTileEntry } from '../verify/tile-entry-checks.js';
import { decodeEntryBundle, entryBundleOf, type TileReader } from '../verify/tile-proof.js';
import { certificateView, checksView } from './entry.js';
import { LOGS } from './logs.js';

/** The logs whose entries the page reads from tiles by index (Rekor v1 entries are read by UUID). */
export const TILE_ENTRY_LOGS = ['ct', 'rekor-v2'] as const;

/** The tile prefix of a log: where its checkpoint is served, less `/checkpoint`. */
const prefixOf = (checkpoint: string) => checkpoint.slice(0, -'/checkpoint'.length);

function decodedView(logId: string, entry: Uint8Array, trust: LoadedTrust): HTMLElement[] {
  const out: HTMLElement[] = [];
  const cert = (der: Uint8Array, tbsOnly: boolean) => {
    try {
      out.push(certificateView(tbsOnly ? decodeTbsCertificate(der) : decodeCertificate(der), trust));
    } catch (e) {
      out.push(el('p', { class: 'error' }, `The certificate does not decode: ${(e as Error).message}`));
    }
  };
  if (logId === 'ct') {
    const leaf = decodeCtLeaf(entry);
    out.push(
      el('h2', {}, 'Entry'),
      facts([
        ['entry type', el('span', { data: { role: 'entry-type' } }, leaf.entryType === 'precert' ? 'precertificate (its TBSCertificate, poison removed)' : 'X.509 certificate')],
        ['timestamp', new Date(leaf.timestampMs).toISOString()],
        ['issuer key hash', leaf.issuerKeyHash ? el('span', { class: 'mono' }, toHex(leaf.issuerKeyHash)) : '(none: x509 entry)'],
        ['leaf bytes', String(entry.length)],
      ]),
    );
    cert(leaf.der, leaf.entryType === 'precert');
  } else {
    const e = decodeRekorV2Entry(entry);
    out.push(
      el('h2', {}, 'Entry'),
      facts([
        ['kind', el('span', { data: { role: 'entry-type' } }, clip(`${e.kind} ${e.apiVersion}`))],
        ['artifact hash', el('span', { class: 'mono', data: { role: 'artifact-hash' } }, clip(e.artifactHash ?? '(none)'))],
        ['key details', clip(e.keyDetails ?? '(none)')],
        ['signatures', String(e.signatures)],
      ]),
    );
    if (e.certificateDer) cert(e.certificateDer, false);
    else if (e.publicKeyDer) out.push(el('h2', {}, 'Public key'), el('pre', {}, clip(toBase64(e.publicKeyDer), 2048)));
  }
  return out;
}

/**
 * The entry page of the CT log or Rekor v2, by index: the entry from the log's entry
 * bundle, decoded; its leaf hash computed here; its inclusion proof built from the hash
 * tiles for the size of the checkpoint whose signature the page verified.
 */
export async function renderTileEntry(root: HTMLElement, logId: string, indexText: string, trust: LoadedTrust): Promise<void> {
  const log = LOGS.find((l) => l.id === logId && (TILE_ENTRY_LOGS as readonly string[]).includes(l.id));
  if (!log) {
    root.append(el('p', { class: 'error' }, 'No such log with entries by index.'));
    return;
  }
  if (!/^(?:0|[1-9][0-9]{0,14})$/.test(indexText)) {
    root.append(el('p', { class: 'error', data: { role: 'query-error' } }, 'An entry index is a decimal number.'));
    return;
  }
  const index = Number(indexText);
  root.append(el('h1', {}, `${log.title} entry ${index}`));
  const text = await getText(log.checkpoint);
  const sig = await verifyCheckpointSignature(text, [...trust.tlogs, ...trust.ctlogs]);
  const cp = sig.note ? parseCheckpoint(sig.note.text) : undefined;
  if (!cp) {
    root.append(checksView([{ id: 'checkpoint-signature', ok: false, title: 'checkpoint signature FAILED', detail: sig.detail }], trust));
    return;
  }
  if (index >= cp.size) {
    root.append(el('p', { class: 'error', data: { role: 'query-error' } }, `The checkpoint has ${cp.size} entries: there is no entry ${index} yet.`));
    return;
  }
  // Each tile is fetched once per page; the bytes are only ever hashed and compared.
  const prefix = prefixOf(log.checkpoint);
  const cache = new Map<string, Promise<Uint8Array>>();
  const read: TileReader = (path) => {
    let p = cache.get(path);
    if (!p) cache.set(path, (p = getBytes(`${prefix}/${path}`)));
    return p;
  };
  const where = entryBundleOf(index, cp.size);
  const entries = decodeEntryBundle(await read(where.path));
  const entry = entries[where.offset];
  if (!entry) throw new ExplorerError('BAD_ENTRY', `${where.path} holds ${entries.length} entries, not entry ${index}`);
  const checksSlot = el('div', {}, el('p', { class: 'muted' }, 'verifying…'));
  root.append(checksSlot);
  try {
    root.append(...decodedView(log.id, entry, trust));
  } catch (e) {
    root.append(el('p', { class: 'error' }, `The entry does not decode: ${(e as Error).message}`));
  }
  root.append(
    el('details', {}, el('summary', {}, 'Raw entry (base64)'), el('pre', {}, clip(toBase64(entry), 8192))),
    el('p', {}, el('a', { href: `#/log/${log.id}` }, `Back to the ${log.title}`)),
  );
  checksSlot.replaceChildren(checksView(await checkTileEntry(entry, index, cp, sig, read), trust));
}
