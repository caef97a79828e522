import { getJson, getText } from '../api.js';
import { sha256, toHex } from '../bytes.js';
import { el, facts, svg } from '../dom.js';
import { toRekorEntries } from '../decode/entry.js';
import type { LoadedTrust } from '../trust.js';
import { verifyCheckpointSignature } from '../verify/log-keys.js';
import { cosignatureTime, parseCheckpoint } from '../verify/note.js';

/** The logs of a stack, by where their C2SP checkpoint is served (server tiles/tile-mounts.ts). */
export const LOGS = [
  { id: 'rekor-v1', title: 'Rekor v1', checkpoint: '/api/v1/log/tiles/checkpoint' },
  { id: 'ct', title: 'Certificate transparency log', checkpoint: '/ct/checkpoint' },
  { id: 'rekor-v2', title: 'Rekor v2', checkpoint: '/api/v2/checkpoint' },
] as const;
export type LogId = (typeof LOGS)[number]['id'];

/** How many entries of Rekor v1 the rate chart samples. */
const RATE_SAMPLES = 16;

async function rateChart(size: number): Promise<HTMLElement> {
  const idx = [...new Set(Array.from({ length: Math.min(RATE_SAMPLES, size) }, (_, i) => Math.floor(((size - 1) * i) / Math.max(1, Math.min(RATE_SAMPLES, size) - 1))))];
  const points = (
    await Promise.all(
      idx.map(async (i) => {
        try {
          const [e] = toRekorEntries(await getJson(`/api/v1/log/entries?logIndex=${i}`));
          return e ? { i, t: e.integratedTime } : undefined;
        } catch {
          return undefined;
        }
      }),
    )
  ).filter((p): p is { i: number; t: number } => !!p);
  if (points.length < 2) return el('p', { class: 'muted' }, 'Too few entries for a rate chart.');
  const t0 = points[0]!.t;
  const t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const W = 600;
  const H = 200;
  const x = (t: number) => 40 + ((t - t0) / (t1 - t0)) * (W - 60);
  const y = (i: number) => H - 30 - (i / Math.max(1, size - 1)) * (H - 50);
  const rate = ((points[points.length - 1]!.i - points[0]!.i) / (t1 - t0)) * 60;
  return el(
    'figure',
    { data: { role: 'rate-chart' } },
    svg(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' },
      svg('title', {}, 'log index by integration time'),
      svg('line', { x1: 40, y1: H - 30, x2: W - 20, y2: H - 30, class: 'axis' }),
      svg('line', { x1: 40, y1: 20, x2: 40, y2: H - 30, class: 'axis' }),
      svg('polyline', { points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.i).toFixed(1)}`).join(' '), class: 'series' }),
      svg('text', { x: 40, y: H - 10 }, new Date(t0 * 1000).toISOString().slice(0, 19)),
      svg('text', { x: W - 20, y: H - 10, 'text-anchor': 'end' }, new Date(t1 * 1000).toISOString().slice(0, 19)),
      svg('text', { x: 44, y: 16 }, `${size - 1}`),
    ),
    el('figcaption', {}, `Entries over time (${points.length} sampled entries): about ${rate.toFixed(1)} entries per minute on average.`),
  );
}

/** Growth seen while the page is open: logs without entry timestamps (CT tiles, Rekor v2) are charted this way. */
function liveChart(url: string, first: number): HTMLElement {
  const seen: { t: number; size: number }[] = [{ t: Date.now(), size: first }];
  const cap = el('figcaption', {}, 'Size of the log while this page is open (sampled every 5 s).');
  const box = el('figure', { data: { role: 'live-chart' } }, cap);
  const draw = () => {
    const W = 600;
    const H = 120;
    const t0 = seen[0]!.t;
    const t1 = Math.max(seen[seen.length - 1]!.t, t0 + 1);
    const s0 = seen[0]!.size;
    const s1 = Math.max(seen[seen.length - 1]!.size, s0 + 1);
    const pts = seen.map((p) => `${(20 + ((p.t - t0) / (t1 - t0)) * (W - 40)).toFixed(1)},${(H - 20 - ((p.size - s0) / (s1 - s0)) * (H - 40)).toFixed(1)}`).join(' ');
    box.replaceChildren(svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H }, svg('polyline', { points: pts, class: 'series' })), cap);
    const per = ((seen[seen.length - 1]!.size - s0) / ((t1 - t0) / 60000)).toFixed(1);
    cap.textContent = `Size of the log while this page is open: ${seen[seen.length - 1]!.size} (${per} entries per minute since opened).`;
  };
  const timer = setInterval(async () => {
    if (!box.isConnected) return clearInterval(timer);
    try {
      seen.push({ t: Date.now(), size: parseCheckpoint((await getText(url)).split('\n\n')[0] + '\n').size });
      if (seen.length > 720) seen.shift();
      draw();
    } catch {
      // the next tick tries again
    }
  }, 5000);
  draw();
  return box;
}

/** Opens `#/log/<id>/entry/<index>`: the CT log's and Rekor v2's entries are read from their tiles by index. */
function entryByIndexForm(id: string, size: number): HTMLElement {
  const input = el('input', { type: 'number', name: 'index', placeholder: `0 … ${Math.max(0, size - 1)}` });
  input.min = '0';
  if (size > 0) input.max = String(size - 1);
  const form = el('form', { class: 'search', id: 'entry-by-index' }, el('label', {}, 'Entry by index: ', input), el('button', { type: 'submit' }, 'Open and verify'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (/^[0-9]+$/.test(input.value)) location.hash = `#/log/${id}/entry/${input.value}`;
  });
  return el('section', {}, el('h2', {}, 'Entries'), form, size > 0 ? el('p', {}, el('a', { href: `#/log/${id}/entry/${size - 1}` }, `the latest entry (${size - 1})`)) : el('p', { class: 'muted' }, 'The log is empty.'));
}

export async function renderLog(root: HTMLElement, id: string, trust: LoadedTrust): Promise<void> {
  const log = LOGS.find((l) => l.id === id);
  if (!log) {
    root.append(el('p', { class: 'error' }, 'No such log.'));
    return;
  }
  root.append(el('h1', {}, log.title));
  let text: string;
  try {
    text = await getText(log.checkpoint);
  } catch (e) {
    root.append(el('p', {}, `This stack does not serve this log (${(e as Error).message}).`));
    return;
  }
  const keys = [...trust.tlogs, ...trust.ctlogs];
  const sig = await verifyCheckpointSignature(text, keys);
  const cp = sig.note ? parseCheckpoint(sig.note.text) : undefined;
  root.append(
    el('p', { id: 'verdict', class: sig.ok ? 'ok' : 'fail', data: { check: 'checkpoint-signature', status: sig.ok ? 'ok' : 'fail' } }, sig.ok ? `✔ checkpoint signature verified — ${sig.detail}` : `✘ checkpoint signature FAILED — ${sig.detail}`),
  );
  if (cp)
    root.append(
      facts([
        ['origin', cp.origin],
        ['size', String(cp.size)],
        ['root hash', el('span', { class: 'mono' }, toHex(cp.rootHash))],
        ['checkpoint URL', log.checkpoint],
        ['signing key', sig.key ? `${sig.key.algorithm}, SHA-256 of the key ${toHex(await sha256(sig.key.spki))}` : '(not found in the trusted root)'],
      ]),
      ...(log.id === 'rekor-v1' ? [] : [entryByIndexForm(log.id, cp.size)]),
      el('h2', {}, 'Witness cosignatures'),
      sig.others.length === 0
        ? el('p', { data: { role: 'cosignatures' } }, 'None: no witness has cosigned this checkpoint yet (or the log has no witnesses).')
        : el(
            'ul',
            { data: { role: 'cosignatures' } },
            ...sig.others.map((s) => {
              const t = cosignatureTime(s.signature);
              return el('li', {}, `${s.name} (key hint ${toHex(s.keyHint)})`, t ? `, cosigned at ${new Date(t * 1000).toISOString()}` : '', ' — witness keys are not in the trusted root: listed, not verified');
            }),
          ),
      el('h2', {}, 'Rate of entries'),
      log.id === 'rekor-v1' ? await rateChart(cp.size) : liveChart(log.checkpoint, cp.size),
      el('details', {}, el('summary', {}, 'Raw checkpoint'), el('pre', {}, text)),
    );
  root.append(el('p', { class: 'muted' }, `Keys: ${trust.source}.`));
}

/** The home page's list of logs with their sizes (one checkpoint read each). */
export async function renderLogList(root: HTMLElement, trust: LoadedTrust): Promise<void> {
  const rows = await Promise.all(
    LOGS.map(async (l) => {
      try {
        const text = await getText(l.checkpoint);
        const cp = parseCheckpoint(text.slice(0, text.indexOf('\n\n') + 1));
        return el('tr', {}, el('td', {}, el('a', { href: `#/log/${l.id}` }, l.title)), el('td', {}, String(cp.size)), el('td', {}, cp.origin));
      } catch {
        return el('tr', {}, el('td', {}, l.title), el('td', {}, '—'), el('td', {}, 'not served by this stack'));
      }
    }),
  );
  root.append(
    el('h2', {}, 'Logs'),
    el('table', { class: 'results' }, el('tr', {}, el('th', {}, 'log'), el('th', {}, 'size'), el('th', {}, 'origin')), ...rows),
    el('h2', {}, 'Trusted log keys'),
    el('p', { class: 'muted' }, `From ${trust.source}. The page trusts these keys as this server publishes them; pin the trust root through TUF and compare these fingerprints.`),
    el(
      'ul',
      {},
      ...(await Promise.all(
        [...trust.tlogs, ...trust.ctlogs].map(async (k) => el('li', { class: 'mono' }, `${k.kind} ${k.baseUrl} ${k.algorithm} sha256:${toHex(await sha256(k.spki))}`)),
      )),
    ),
  );
}
