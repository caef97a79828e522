import './style.css';
import { el } from './dom.js';
import { renderEntry } from './pages/entry.js';
import { renderLog, renderLogList } from './pages/logs.js';
import { renderTileEntry } from './pages/tile-entry.js';
import { renderSearch } from './pages/search.js';
import { MAX_QUERY_LENGTH } from './search-query.js';
import { loadTrust, type LoadedTrust } from './trust.js';

/**
 * The explorer: one page, routed by the URL fragment (so the server serves one HTML
 * file and a fragment never reaches its logs):
 *   #/                 logs and search
 *   #/search?q=<term>  results
 *   #/entry/<uuid>     one Rekor v1 entry, decoded and verified
 *   #/log/<id>         one log: checkpoint, cosignatures, rate
 *   #/log/<id>/entry/<index>  one CT or Rekor v2 entry, read from the log's tiles and verified
 */
const main = document.getElementById('main')!;
let trust: Promise<LoadedTrust> | undefined;

function searchForm(value = ''): HTMLElement {
  const input = el('input', { type: 'search', name: 'q', placeholder: 'sha256 hash, email, workflow URI, log index, UUID or PEM public key' });
  input.value = value;
  input.maxLength = MAX_QUERY_LENGTH + 1;
  const form = el('form', { class: 'search', id: 'search' }, input, el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(input.value)}`;
  });
  return form;
}

async function route(): Promise<void> {
  const hash = location.hash || '#/';
  const page = el('div', { id: 'page' });
  main.replaceChildren(page);
  try {
    trust ??= loadTrust();
    const t = await trust;
    const m = /^#\/(search|entry|log)(?:[/?](.*))?$/.exec(hash);
    if (!m) {
      page.append(searchForm());
      await renderLogList(page, t);
    } else if (m[1] === 'search') {
      const q = new URLSearchParams(m[2] ?? '').get('q') ?? '';
      page.append(searchForm(q.slice(0, MAX_QUERY_LENGTH)));
      await renderSearch(page, q);
    } else if (m[1] === 'entry') {
      await renderEntry(page, m[2] ?? '', t);
    } else {
      const sub = /^([a-z0-9-]+)\/entry\/(.*)$/.exec(m[2] ?? '');
      if (sub) await renderTileEntry(page, sub[1]!, sub[2]!, t);
      else await renderLog(page, m[2] ?? '', t);
    }
  } catch (e) {
    trust = undefined;
    page.append(el('p', { class: 'error', data: { role: 'error' } }, `Error: ${(e as Error).message}`));
  }
  page.dataset.ready = 'true';
}

window.addEventListener('hashchange', () => void route());
void route();
