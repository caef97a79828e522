/**
 * The only way the explorer builds DOM: elements by name, text through text nodes.
 * No innerHTML, no insertAdjacentHTML, no string templates of markup anywhere, so
 * a certificate field or an entry body holding `<script>` stays text. Links go only
 * to the page's own routes (`#/...`).
 */
type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  /** Only in-page routes: `#/...`. */
  href?: string;
  title?: string;
  type?: string;
  placeholder?: string;
  name?: string;
  data?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'data') for (const [dk, dv] of Object.entries(v as Record<string, string>)) e.dataset[dk] = dv;
    else if (k === 'href') {
      if (!String(v).startsWith('#/')) throw new Error('links stay inside the explorer');
      e.setAttribute('href', String(v));
    } else e.setAttribute(k, String(v));
  }
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** A two-column table of label → value (values are text or nodes). */
export function facts(rows: [string, Child][]): HTMLTableElement {
  return el('table', { class: 'facts' }, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
}

/** Long untrusted strings are cut for display (the full value stays available through the log's API). */
export function clip(s: string, max = 512): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  append(e, ...children);
  return e;
}
