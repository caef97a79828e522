/**
 * The subset of Go `text/template` that Fulcio's CI provider templates use
 * (sigstore/fulcio config/identity/config.yaml, pkg/identity/ciprovider):
 *
 *   {{ .claim }}                                  field of the claim map (missing → error, as missingkey=error)
 *   {{ index . "oidc.circleci.com/project-id" }}  claim whose name is not an identifier (missing → "", as Go's index)
 *   {{if eq .ref_type "branch"}}a{{else}}b{{end}}   conditionals with eq / ne / not, `else if`
 *   ( ... ) grouping, "double" and `raw` string literals, {{- and -}} trim markers
 *
 * Anything else (pipes, variables, range, with, other functions) is refused when
 * the config is parsed, so an operator finds out at startup rather than at the first
 * signing request. A template string without `{{` is not a template at all: it
 * names a claim (see renderClaimTemplate).
 *
 * Upstream evaluates with html/template, which would HTML-escape `&<>"'+` in
 * rendered values; we follow the documented text/template semantics instead (the
 * values are URLs and identifiers for policy matching, not HTML).
 */

export type TemplateData = Readonly<Record<string, string>>;

type Expr =
  | { k: 'dot' }
  | { k: 'field'; name: string }
  | { k: 'str'; v: string }
  | { k: 'call'; fn: 'eq' | 'ne' | 'not' | 'index'; args: Expr[] };

type Node = { k: 'text'; v: string } | { k: 'out'; e: Expr } | { k: 'if'; cond: Expr; then: Node[]; else: Node[] };

/** A parsed template, ready to render many times. */
export interface ClaimTemplate {
  readonly source: string;
  /** Throws Error naming the missing claim when a `.field` is absent. */
  render(data: TemplateData): string;
}

class TemplateSyntaxError extends Error {}

/** Parses `source` (which must contain `{{`); throws Error with a readable message. */
export function parseClaimTemplate(source: string): ClaimTemplate {
  const nodes = parseNodes(lex(source), source);
  return {
    source,
    render: (data) => renderNodes(nodes, data),
  };
}

/**
 * Renders an extension/SAN template the way upstream's applyTemplateOrReplace does:
 * with `{{` it is a template; without, it is the name of a claim (or default) whose
 * value is used verbatim, and a missing one is an error.
 */
export function renderClaimTemplate(template: string | ClaimTemplate, data: TemplateData): string {
  if (typeof template !== 'string') return template.render(data);
  if (template.includes('{{')) return parseClaimTemplate(template).render(data);
  const v = data[template];
  if (v === undefined || !Object.prototype.hasOwnProperty.call(data, template)) {
    throw new Error(`claim ${JSON.stringify(template)} is not present in the token or the defaults`);
  }
  return v;
}

// ---------------------------------------------------------------------------
// lexer: text and {{ action }} segments

type Segment = { k: 'text'; v: string } | { k: 'action'; words: Token[] };
type Token = { t: 'ident'; v: string } | { t: 'field'; v: string } | { t: 'dot' } | { t: 'str'; v: string } | { t: 'lp' } | { t: 'rp' };

function lex(src: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    trimNextText = false;
    if (open < 0) {
      if (text) out.push({ k: 'text', v: text });
      break;
    }
    let j = open + 2;
    if (src.startsWith('- ', j) || src.startsWith('-\t', j) || src.startsWith('-\n', j)) {
      text = text.replace(/\s+$/, '');
      j += 1;
    }
    if (text) out.push({ k: 'text', v: text });
    const words: Token[] = [];
    for (;;) {
      while (j < src.length && /\s/.test(src[j]!)) j++;
      if (j >= src.length) throw new TemplateSyntaxError('unclosed action: missing "}}"');
      if (src.startsWith('}}', j)) {
        j += 2;
        break;
      }
      if (src.startsWith('-}}', j) && /\s/.test(src[j - 1]!)) {
        j += 3;
        trimNextText = true;
        break;
      }
      const c = src[j]!;
      if (c === '(') {
        words.push({ t: 'lp' });
        j++;
      } else if (c === ')') {
        words.push({ t: 'rp' });
        j++;
      } else if (c === '"') {
        let v = '';
        j++;
        for (;;) {
          if (j >= src.length) throw new TemplateSyntaxError('unterminated string literal');
          const d = src[j]!;
          if (d === '"') break;
          if (d === '\\') {
            const e = src[j + 1];
            const map: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };
            if (e === undefined || map[e] === undefined) throw new TemplateSyntaxError(`unsupported escape \\${e ?? ''} in string literal`);
            v += map[e];
            j += 2;
            continue;
          }
          v += d;
          j++;
        }
        j++;
        words.push({ t: 'str', v });
      } else if (c === '`') {
        const end = src.indexOf('`', j + 1);
        if (end < 0) throw new TemplateSyntaxError('unterminated raw string literal');
        words.push({ t: 'str', v: src.slice(j + 1, end) });
        j = end + 1;
      } else if (c === '.') {
        const m = /^\.([A-Za-z_][A-Za-z0-9_]*)?/.exec(src.slice(j))!;
        if (m[1] !== undefined) words.push({ t: 'field', v: m[1] });
        else words.push({ t: 'dot' });
        j += m[0].length;
        if (src[j] === '.') throw new TemplateSyntaxError('chained field access (.a.b) is not supported; use index');
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(j));
        if (!m) throw new TemplateSyntaxError(`unexpected character ${JSON.stringify(c)} in action`);
        words.push({ t: 'ident', v: m[0] });
        j += m[0].length;
      }
    }
    out.push({ k: 'action', words });
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------
// parser

const FUNCS = new Set(['eq', 'ne', 'not', 'index']);

function parseNodes(segs: Segment[], source: string): Node[] {
  let pos = 0;
  const fail = (m: string): never => {
    throw new TemplateSyntaxError(`template ${JSON.stringify(source)}: ${m}`);
  };

  function parseExpr(words: Token[]): Expr {
    let p = 0;
    const operand = (): Expr => {
      const w = words[p++];
      if (!w) return fail('missing operand');
      switch (w.t) {
        case 'dot':
          return { k: 'dot' };
        case 'field':
          return { k: 'field', name: w.v };
        case 'str':
          return { k: 'str', v: w.v };
        case 'lp': {
          const e = command(true);
          if (words[p++]?.t !== 'rp') fail('missing ")"');
          return e;
        }
        case 'rp':
          return fail('unexpected ")"');
        case 'ident':
          return fail(`function ${w.v} must be called inside parentheses here`);
      }
    };
    const command = (inParens: boolean): Expr => {
      const w = words[p];
      if (w?.t === 'ident') {
        if (!FUNCS.has(w.v)) fail(`unsupported function or keyword ${JSON.stringify(w.v)}`);
        p++;
        const args: Expr[] = [];
        while (p < words.length && words[p]!.t !== 'rp') args.push(operand());
        const fn = w.v as 'eq' | 'ne' | 'not' | 'index';
        const arity = fn === 'not' ? 1 : 2;
        if (args.length !== arity) fail(`${fn} takes ${arity} argument(s), got ${args.length}`);
        return { k: 'call', fn, args };
      }
      const e = operand();
      if (!inParens && p < words.length) fail('unexpected extra words in action (pipes and variables are not supported)');
      return e;
    };
    const e = command(false);
    if (p !== words.length) fail('unexpected extra words in action');
    return e;
  }

  function parseList(stopAt: Set<string>): { nodes: Node[]; stop: string | null; stopWords: Token[] } {
    const nodes: Node[] = [];
    while (pos < segs.length) {
      const s = segs[pos++]!;
      if (s.k === 'text') {
        nodes.push({ k: 'text', v: s.v });
        continue;
      }
      const first = s.words[0];
      if (first?.t === 'ident' && (first.v === 'end' || first.v === 'else')) {
        if (!stopAt.has(first.v)) fail(`unexpected {{${first.v}}}`);
        return { nodes, stop: first.v, stopWords: s.words.slice(1) };
      }
      if (first?.t === 'ident' && first.v === 'if') nodes.push(parseIf(s.words.slice(1)));
      else if (!first) fail('empty action');
      else nodes.push({ k: 'out', e: parseExpr(s.words) });
    }
    if (stopAt.size) fail('missing {{end}}');
    return { nodes, stop: null, stopWords: [] };
  }

  function parseIf(condWords: Token[]): Node {
    if (!condWords.length) fail('missing condition in {{if}}');
    const cond = parseExpr(condWords);
    const thenPart = parseList(new Set(['else', 'end']));
    let elseNodes: Node[] = [];
    if (thenPart.stop === 'else') {
      const w = thenPart.stopWords;
      if (w[0]?.t === 'ident' && w[0].v === 'if') {
        // {{else if c}} … {{end}}: one shared {{end}} closes the chain.
        elseNodes = [parseIf(w.slice(1))];
        return { k: 'if', cond, then: thenPart.nodes, else: elseNodes };
      }
      if (w.length) fail('unexpected words after {{else}}');
      const elsePart = parseList(new Set(['end']));
      elseNodes = elsePart.nodes;
    }
    return { k: 'if', cond, then: thenPart.nodes, else: elseNodes };
  }

  try {
    return parseList(new Set()).nodes;
  } catch (e) {
    if (e instanceof TemplateSyntaxError && !e.message.startsWith('template ')) fail(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// evaluation

type Value = string | TemplateData;

function evalExpr(e: Expr, data: TemplateData): Value {
  switch (e.k) {
    case 'dot':
      return data;
    case 'str':
      return e.v;
    case 'field': {
      if (!Object.prototype.hasOwnProperty.call(data, e.name)) {
        throw new Error(`claim ${JSON.stringify(e.name)} is not present in the token or the defaults`);
      }
      return data[e.name]!;
    }
    case 'call': {
      const args = e.args.map((a) => evalExpr(a, data));
      switch (e.fn) {
        case 'index': {
          const [m, k] = args;
          if (m === undefined || typeof m === 'string' || typeof k !== 'string') throw new Error('index expects the claim map and a string key');
          // Go's index on a map yields the zero value for a missing key (no missingkey=error).
          return Object.prototype.hasOwnProperty.call(m, k) ? m[k]! : '';
        }
        case 'eq':
        case 'ne': {
          const [a, b] = args;
          if (typeof a !== 'string' || typeof b !== 'string') throw new Error(`${e.fn} compares strings only`);
          return (a === b) === (e.fn === 'eq') ? 'true' : '';
        }
        case 'not':
          return truthy(args[0]!) ? '' : 'true';
      }
    }
  }
}

function truthy(v: Value): boolean {
  return typeof v === 'string' ? v.length > 0 : true;
}

function renderNodes(nodes: Node[], data: TemplateData): string {
  let out = '';
  for (const n of nodes) {
    if (n.k === 'text') out += n.v;
    else if (n.k === 'out') {
      const v = evalExpr(n.e, data);
      if (typeof v !== 'string') throw new Error('cannot print the whole claim map');
      out += v;
    } else out += renderNodes(truthy(evalExpr(n.cond, data)) ? n.then : n.else, data);
  }
  return out;
}
