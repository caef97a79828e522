// The README's "The sigstack client" section, executed as written: every shell block
// marked `<!-- test: client -->` runs, unmodified and in order, in one bash session (so
// variables such as $IMAGE carry from block to block, as in a reader's terminal) from a
// temporary working directory whose `.sigstack` is the data directory of a stack on
// http://127.0.0.1:3000, with a distribution registry on 127.0.0.1:5000: the URLs the
// README names. `pnpm exec X` runs X from the repository's node_modules/.bin, which is
// what pnpm does at the repository root. A block marked
// `<!-- test: client refused "TEXT" -->` must exit non-zero with TEXT on stderr, and
// `<!-- test: skip (reason) -->` is not run; an unmarked sh block in the section fails
// the test, so the section cannot grow commands nobody runs.
import t from 'tap';
import { createServer } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS_BIN, peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { run } from './lib/run.js';
import { startTestStack } from './lib/test-stack.js';
import { startRegistry } from './lib/registry.js';

t.setTimeout(300_000);

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SECTION = '## The sigstack client';
const STACK_PORT = 3000;
const REGISTRY_PORT = 5000;

interface ReadmeBlock {
  /** 1-based line of the opening fence in README.md. */
  line: number;
  /** The shell text between the fences, exactly as written. */
  text: string;
  mode: 'run' | 'refused' | 'skip';
  /** For `refused`: the text stderr must contain. */
  expect?: string;
}

/**
 * The marked sh blocks of the section, in order. Every ```sh fence in the section needs
 * a marker on the nearest non-blank line above it, and every marker a fence below it.
 */
function extractBlocks(readme: string): ReadmeBlock[] {
  const lines = readme.split('\n');
  const start = lines.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const blocks: ReadmeBlock[] = [];
  let pending: { mode: ReadmeBlock['mode']; expect?: string; line: number } | undefined;
  for (let i = start + 1; i < end; i++) {
    const l = lines[i]!;
    const marker = /^<!-- test: (.*) -->$/.exec(l);
    if (marker) {
      if (pending) throw new Error(`README.md:${pending.line + 1}: marker with no sh block after it`);
      const m = marker[1]!;
      const refused = /^client refused "(.+)"$/.exec(m);
      if (m === 'client') pending = { mode: 'run', line: i };
      else if (refused) pending = { mode: 'refused', expect: refused[1]!, line: i };
      else if (/^skip \(.+\)$/.test(m)) pending = { mode: 'skip', line: i };
      else throw new Error(`README.md:${i + 1}: unknown marker "${m}" (client, client refused "TEXT", skip (reason))`);
      continue;
    }
    if (/^```/.test(l)) {
      const close = lines.findIndex((x, j) => j > i && /^```\s*$/.test(x));
      if (close < 0 || close >= end) throw new Error(`README.md:${i + 1}: unclosed code fence`);
      if (l === '```sh') {
        if (!pending) throw new Error(`README.md:${i + 1}: sh block without a <!-- test: ... --> marker`);
        blocks.push({ line: i + 1, text: lines.slice(i + 1, close).join('\n') + '\n', mode: pending.mode, ...(pending.expect ? { expect: pending.expect } : {}) });
        pending = undefined;
      } else if (pending) {
        throw new Error(`README.md:${pending.line + 1}: marker followed by a "${l}" block, not \`\`\`sh`);
      }
      i = close;
      continue;
    }
    if (pending && l.trim() !== '') throw new Error(`README.md:${pending.line + 1}: marker not directly above an sh block`);
  }
  if (pending) throw new Error(`README.md:${pending.line + 1}: marker with no sh block after it`);
  return blocks;
}

/** Fails with a message a person can act on when something already listens on the port. */
async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((res, rej) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) =>
      rej(new Error(`127.0.0.1:${port} is taken (${e.code}): the README's ${what} is on that port, so this test needs it free. Stop whatever listens there (a "pnpm start"?) and run again.`)),
    );
    s.listen(port, '127.0.0.1', () => s.close(() => res()));
  });
}

t.test('block extraction refuses what it cannot run unambiguously', async (t) => {
  const doc = (body: string) => `# x\n\n${SECTION}\n\n${body}\n## Next\n\n\`\`\`sh\nnot in the section\n\`\`\`\n`;
  t.same(
    extractBlocks(doc('<!-- test: client -->\n```sh\necho a\n```\n\n<!-- test: client refused "no" -->\n```sh\nfalse\n```\n<!-- test: skip (why) -->\n```sh\nx\n```\n```\noutput\n```\n')),
    [
      { line: 6, text: 'echo a\n', mode: 'run' },
      { line: 11, text: 'false\n', mode: 'refused', expect: 'no' },
      { line: 15, text: 'x\n', mode: 'skip' },
    ],
  );
  t.throws(() => extractBlocks(doc('```sh\necho unmarked\n```\n')), /sh block without a <!-- test/);
  t.throws(() => extractBlocks(doc('<!-- test: client -->\n```yaml\na: 1\n```\n')), /not ```sh/);
  t.throws(() => extractBlocks(doc('<!-- test: client -->\ntext\n```sh\necho\n```\n')), /not directly above/);
  t.throws(() => extractBlocks(doc('<!-- test: client -->\n')), /no sh block after it/);
  t.throws(() => extractBlocks(doc('<!-- test: sometimes -->\n```sh\necho\n```\n')), /unknown marker/);
  t.throws(() => extractBlocks(doc('<!-- test: client -->\n```sh\necho\n')), /unclosed code fence/);
  t.throws(() => extractBlocks('# no section\n'), /has no/);
});

t.test('the README client section runs as written', async (t) => {
  const blocks = extractBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'));
  const runnable = blocks.filter((b) => b.mode !== 'skip');
  t.ok(runnable.length >= 8, `the section has its blocks (${runnable.length} to run)`);

  await assertPortFree(STACK_PORT, 'stack (http://127.0.0.1:3000)');
  await assertPortFree(REGISTRY_PORT, 'registry (127.0.0.1:5000)');

  const tmp = tempDir(t, 'sigstack-readme-');
  const work = join(tmp, 'work');
  mkdirSync(work);
  const [stack] = await Promise.all([
    startTestStack(t, { dataDir: join(work, '.sigstack'), port: STACK_PORT }),
    startRegistry(t, join(tmp, 'registry'), { port: REGISTRY_PORT }),
  ]);
  t.equal(stack.url, `http://127.0.0.1:${STACK_PORT}`, 'the stack is at the README URL');

  // `pnpm exec CMD`: pnpm puts the workspace's node_modules/.bin first on PATH and runs
  // CMD; the shim does exactly that, so a block calling any other pnpm command fails.
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'pnpm'),
    `#!/bin/sh\nif [ "$1" = exec ]; then shift; PATH='${join(REPO, 'node_modules', '.bin')}':"$PATH" exec "$@"; fi\necho "pnpm shim: README client blocks may only use 'pnpm exec', got: pnpm $*" >&2\nexit 2\n`,
  );
  chmodSync(join(bin, 'pnpm'), 0o755);
  peer('crane'); // installed, or a clear error
  const env = clientEnv(tmp, { PATH: `${bin}:${PEERS_BIN}:${process.env.PATH ?? ''}` });

  // One bash session for the whole section. A `run` block is sourced with errexit in the
  // session itself (its variables stay, and its first failing command ends the session);
  // a `refused` block runs in a subshell, so its failure is recorded instead.
  const dir = join(tmp, 'blocks');
  mkdirSync(dir);
  const script = ['set -e', `cd '${work}'`];
  runnable.forEach((b, i) => {
    writeFileSync(join(dir, `${i}.sh`), b.text);
    const io = `> '${dir}/${i}.out' 2> '${dir}/${i}.err'`;
    if (b.mode === 'run') script.push(`source '${dir}/${i}.sh' ${io}`, `echo 0 > '${dir}/${i}.rc'`);
    else script.push(`set +e`, `( set -e; source '${dir}/${i}.sh' ) ${io}`, `echo $? > '${dir}/${i}.rc'`, `set -e`);
  });
  const session = await run('bash', ['--norc', '--noprofile', '-c', script.join('\n')], { cwd: work, env, timeoutMs: 240_000 });

  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  let stopped = false;
  runnable.forEach((b, i) => {
    const name = `README.md:${b.line} ${b.text.split('\n').find((l) => l.trim() && !l.startsWith('#'))!.slice(0, 90)}`;
    t.test(name, async (t) => {
      if (stopped) return t.fail('not run: an earlier block failed');
      const rc = read(join(dir, `${i}.rc`)).trim();
      const out = read(join(dir, `${i}.out`));
      const err = read(join(dir, `${i}.err`));
      const shown = `block:\n${b.text}\nstdout:\n${out}\nstderr:\n${err}`;
      if (rc === '') {
        stopped = true;
        return t.fail(`the block failed (session exit ${session.code}): a command in it exited non-zero\n${shown}\nsession stderr:\n${session.stderr}`);
      }
      t.notMatch(out + err, /proxyconnect|\.sigstore\.dev/, 'stayed on this machine (no public-good default)');
      if (b.mode === 'run') return rc === '0' ? t.pass('exit 0') : t.fail(`exit ${rc}\n${shown}`);
      if (rc === '0') return t.fail(`exit 0, but the README shows a refusal\n${shown}`);
      t.pass(`refused (exit ${rc}), as the README says`);
      if (!err.includes(b.expect!)) t.fail(`stderr does not name the refusal "${b.expect}"\n${shown}`);
      else t.pass(`stderr names the refusal: ${b.expect}`);
      t.match(err, /^Error: /m, 'one Error: line');
      t.notMatch(err, /\n\s+at .*:\d+/, 'no stack trace');
    });
  });
  t.test('the session ran to the end', async (t) => {
    t.equal(session.code, 0, session.stderr);
  });
});
