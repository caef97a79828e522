// The code blocks of a Markdown file and the test marker above each one. Every fenced
// block must carry a marker (an HTML comment, invisible when rendered) on the nearest
// non-blank line above it, so a command nobody runs cannot be added to a README:
//
//   <!-- test: run -->                      an sh block run as written, in document order
//   <!-- test: run with cosign 2 -->        ... with `cosign` meaning cosign 2.5 (or 3: 3.1)
//   <!-- test: refused "TEXT" -->           an sh block that must exit non-zero, TEXT on stderr
//   <!-- test: output -->                   what the block above prints (`…` stands for anything)
//   <!-- test: config -->                   a YAML/JSON stack config that must load (server config loader)
//   <!-- test: fulcio-config -->            a Fulcio config.json that must load (oidc's parser)
//   <!-- test: entry points -->             the "Two commands" block, checked against package.json and .ci/run
//   <!-- test: skip (reason) -->            not run; the reason says why and what covers it instead

export type BlockMode = 'run' | 'refused' | 'output' | 'config' | 'fulcio-config' | 'entry-points' | 'skip';

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string of the fence (`sh`, `yaml`, `json`, `ts`, or '' for plain text). */
  lang: string;
  /** The nearest heading above the block. */
  section: string;
  /** The text between the fences, exactly as written (with a final newline). */
  text: string;
  mode: BlockMode;
  /** For `refused`: the text stderr must contain. */
  expect?: string;
  /** For `run`/`refused`: which cosign `cosign` means in this block ('cosign2' | 'cosign3'). */
  cosign?: 'cosign2' | 'cosign3';
  /** For `skip`: why. */
  reason?: string;
}

const SHELL = new Set(['sh', 'bash', 'shell', 'console']);

function parseMarker(m: string, where: string): Pick<ReadmeBlock, 'mode' | 'expect' | 'cosign' | 'reason'> {
  let r: RegExpExecArray | null;
  const cosign = (v: string | undefined) => (v === '2' ? { cosign: 'cosign2' as const } : v === '3' ? { cosign: 'cosign3' as const } : {});
  if ((r = /^run(?: with cosign ([23]))?$/.exec(m))) return { mode: 'run', ...cosign(r[1]) };
  if ((r = /^refused "(.+)"(?: with cosign ([23]))?$/.exec(m))) return { mode: 'refused', expect: r[1]!, ...cosign(r[2]) };
  if ((r = /^skip \((.+)\)$/.exec(m))) return { mode: 'skip', reason: r[1]! };
  if (m === 'output' || m === 'config' || m === 'fulcio-config') return { mode: m };
  if (m === 'entry points') return { mode: 'entry-points' };
  throw new Error(
    `${where}: unknown marker "${m}" (run [with cosign 2|3], refused "TEXT", output, config, fulcio-config, entry points, skip (reason))`,
  );
}

/** Whether a line of shell calls `cosign` as a command (not in a comment, not as a word in text). */
export function callsCosign(sh: string): boolean {
  return sh.split('\n').some((l) => {
    const code = l.replace(/(^|\s)#.*$/, '');
    return /(^|[;&|(]|\$\()\s*(\w+=\S*\s+)*cosign\s/.test(code);
  });
}

/**
 * Every fenced block of `markdown` with its marker, in document order. Throws, naming
 * `file:line`, on a block without a marker, a marker without a block, a marker that does
 * not fit its block (run/refused need sh, config needs yaml/json, output needs a block
 * run before it), or an sh block that calls `cosign` without saying which.
 */
export function extractBlocks(markdown: string, file = 'README.md'): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '';
  let pending: (ReturnType<typeof parseMarker> & { line: number }) | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const where = `${file}:${i + 1}`;
    const marker = /^<!-- test: (.*) -->$/.exec(l);
    if (marker) {
      if (pending) throw new Error(`${file}:${pending.line}: marker with no code block after it`);
      pending = { ...parseMarker(marker[1]!, where), line: i + 1 };
      continue;
    }
    const fence = /^(```+)\s*([\w-]*)\s*$/.exec(l);
    if (fence) {
      const close = lines.findIndex((x, j) => j > i && x.trimEnd() === fence[1]);
      if (close < 0) throw new Error(`${where}: unclosed code fence`);
      const lang = fence[2]!;
      if (!pending) throw new Error(`${where}: a \`\`\`${lang} block without a <!-- test: ... --> marker above it`);
      const text = lines.slice(i + 1, close).join('\n') + '\n';
      const { line: _markerLine, ...marked } = pending;
      const b: ReadmeBlock = { line: i + 1, lang, section, text, ...marked };
      if ((b.mode === 'run' || b.mode === 'refused' || b.mode === 'entry-points') && !SHELL.has(lang))
        throw new Error(`${file}:${pending.line}: "${b.mode}" marker on a \`\`\`${lang} block (needs \`\`\`sh)`);
      if ((b.mode === 'config' || b.mode === 'fulcio-config') && lang !== 'yaml' && lang !== 'json')
        throw new Error(`${file}:${pending.line}: "${b.mode}" marker on a \`\`\`${lang} block (needs \`\`\`yaml or \`\`\`json)`);
      if ((b.mode === 'run' || b.mode === 'refused') && !b.cosign && callsCosign(text))
        throw new Error(`${where}: the block calls cosign: say which with "with cosign 2" or "with cosign 3" in its marker`);
      if (b.mode === 'output') {
        const prev = blocks[blocks.length - 1];
        if (!prev || (prev.mode !== 'run' && prev.mode !== 'refused'))
          throw new Error(`${file}:${pending.line}: "output" marker not after a run or refused block`);
      }
      blocks.push(b);
      pending = undefined;
      i = close;
      continue;
    }
    const heading = /^#{1,6} (.*)$/.exec(l);
    if (heading) section = heading[1]!;
    if (pending && l.trim() !== '') throw new Error(`${file}:${pending.line}: marker not directly above a code block`);
  }
  if (pending) throw new Error(`${file}:${pending.line}: marker with no code block after it`);
  return blocks;
}

/** The first line of a block that is a command, for naming it in test output. */
export function blockTitle(file: string, b: ReadmeBlock): string {
  const first = b.text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? b.text.split('\n')[0]!;
  return `${file}:${b.line} ${first.trim().slice(0, 90)}`;
}

/**
 * Whether `actual` shows the `output` block `expected`: each non-blank line of it appears
 * in `actual`, in order, with `…` matching any run of characters.
 */
export function showsOutput(actual: string, expected: string): boolean {
  let at = 0;
  for (const line of expected.split('\n').filter((l) => l.trim())) {
    const re = new RegExp(
      line
        .trim()
        .split('…')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*?'),
    );
    const m = re.exec(actual.slice(at));
    if (!m) return false;
    at += m.index + m[0].length;
  }
  return true;
}
