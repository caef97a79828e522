// Every command in the README runs as written on a fresh clone (DEVELOPERS.md, issue 10).
//
// Every fenced block of README.md and deploy/README.md carries a marker (an HTML comment:
// see test/lib/readme-blocks.ts), and a block without one fails this test, so a command
// nobody runs cannot slip in. How each kind is checked:
//
// - `run` / `refused`: a copy of the working tree as a fresh clone has it (no node_modules,
//   no dist, no .sigstack) gets the README's first command as written, minus the global
//   `npm install -g pnpm@10` (this machine's pnpm must be that major): `pnpm install &&
//   pnpm start`, in "another terminal" (a process group), which builds everything and
//   starts the stack on http://127.0.0.1:3000 with its data in the clone's `.sigstack`.
//   A distribution registry serves 127.0.0.1:5000 (the README's "Images" names one; its
//   own way to start it is skipped). Then every run/refused block of README.md runs in
//   document order in one bash session from the clone's root, as a reader's terminal
//   would (exports, variables and files carry over), with the real `pnpm exec`, the real
//   clients on PATH, a fresh HOME (git knows a name and an e-mail, as a reader's does), no
//   SIGSTORE_*/COSIGN_*/TUF_* variables, and any non-loopback HTTP sent to a dead proxy
//   (NO_PROXY names loopback, for curl) so nothing reaches the public Sigstore.
//   The copy, `pnpm install` from the local store and its build took 71 s on 2 shared
//   cores (2026-12-05; README.md's session 237 s, deploy/README.md's 16 s: the time is the
//   commands' own, ~60 `pnpm exec` and ~30 cosign runs); a `git clone` would add nothing
//   (and would miss uncommitted README edits), an install from the network minutes.
// - deploy/README.md's production bootstrap runs as written, as an operator with
//   `sigstack` installed (the clone's node_modules/.bin on PATH), in a mount namespace
//   where /var/lib is a temp dir, so `D=/var/lib/sigstack` is writable without root.
// - `output`: what the block above printed shows the text (`…` matches anything).
// - `config`: the YAML/JSON loads through the server's config loader (readConfigFile +
//   resolveConfig: schema, unknown keys, cross-field rules) and keeps every value shown.
// - `fulcio-config`: loads through @sigstack/oidc's parseFulcioConfig, every issuer kept.
// - `entry points` ("Two commands"): the test command is `.ci/run`'s (the suite does not run
//   itself); the start command is the one the walk-through runs.
// - `skip (reason)`: not run; the reason says why and what runs it instead.
import t, { type Test } from 'tap';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { PEERS_BIN, peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { run } from './lib/run.js';
import { startRegistry } from './lib/registry.js';
import { blockTitle, callsCosign, extractBlocks, showsOutput, type ReadmeBlock } from './lib/readme-blocks.js';
import { runSession, type BlockResult } from './lib/readme-session.js';
import { copyWorkingTree, startInOtherTerminal, terminalEnv } from './lib/readme-clone.js';
import { readConfigFile, resolveConfig } from '../packages/server/src/config.js';
import { parseFulcioConfig, readFulcioConfigFile } from '../packages/oidc/src/index.js';

t.setTimeout(1_200_000);

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const STACK = 'http://127.0.0.1:3000';
const FILES = ['README.md', 'deploy/README.md'] as const;
const blocksOf = (file: string) => extractBlocks(readFileSync(join(REPO, file), 'utf8'), file);

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

/** Commands of an sh block: its lines without comments, blank lines and continuations joined. */
function commands(sh: string): string[] {
  return sh
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

t.test('block extraction refuses what it cannot run unambiguously', async (t) => {
  const doc = (body: string) => `# x\n\n## S\n\n${body}\n`;
  t.same(
    extractBlocks(
      doc(
        '<!-- test: run -->\n```sh\necho a\n```\n\n<!-- test: refused "no" with cosign 3 -->\n```sh\ncosign x\n```\n<!-- test: output -->\n```\nError: …\n```\n' +
          '<!-- test: skip (why) -->\n```ts\nx\n```\n<!-- test: config -->\n```yaml\na: 1\n```\n',
      ),
    ),
    [
      { line: 6, lang: 'sh', section: 'S', text: 'echo a\n', mode: 'run' },
      { line: 11, lang: 'sh', section: 'S', text: 'cosign x\n', mode: 'refused', expect: 'no', cosign: 'cosign3' },
      { line: 15, lang: '', section: 'S', text: 'Error: …\n', mode: 'output' },
      { line: 19, lang: 'ts', section: 'S', text: 'x\n', mode: 'skip', reason: 'why' },
      { line: 23, lang: 'yaml', section: 'S', text: 'a: 1\n', mode: 'config' },
    ],
  );
  t.throws(() => extractBlocks(doc('```sh\necho unmarked\n```\n')), /without a <!-- test/);
  t.throws(() => extractBlocks(doc('```\nplain text unmarked\n```\n')), /without a <!-- test/);
  t.throws(() => extractBlocks(doc('<!-- test: run -->\n```yaml\na: 1\n```\n')), /needs ```sh/);
  t.throws(() => extractBlocks(doc('<!-- test: config -->\n```sh\necho\n```\n')), /needs ```yaml or ```json/);
  t.throws(() => extractBlocks(doc('<!-- test: run -->\ntext\n```sh\necho\n```\n')), /not directly above/);
  t.throws(() => extractBlocks(doc('<!-- test: run -->\n')), /no code block after it/);
  t.throws(() => extractBlocks(doc('<!-- test: sometimes -->\n```sh\necho\n```\n')), /unknown marker/);
  t.throws(() => extractBlocks(doc('<!-- test: skip -->\n```sh\necho\n```\n')), /unknown marker/, 'a skip needs a reason');
  t.throws(() => extractBlocks(doc('<!-- test: run -->\n```sh\necho\n')), /unclosed code fence/);
  t.throws(() => extractBlocks(doc('<!-- test: run -->\n```sh\nX=1 cosign sign\n```\n')), /say which/);
  t.throws(() => extractBlocks(doc('<!-- test: output -->\n```\nx\n```\n')), /not after a run or refused block/);
  t.ok(callsCosign('  cosign verify x\n') && callsCosign('a && cosign y') && callsCosign('K=v cosign z'), 'cosign in command position');
  t.notOk(callsCosign('pnpm exec sigstack sign x   # cosign 3 layout\necho cosign\n'), 'not in a comment or an argument');
  t.ok(showsOutput('Error: image a@sha256:12: policy p', 'Error: image a@sha256:…: policy p\n'));
  t.notOk(showsOutput('Error: image a: policy q', 'Error: image …: policy p\n'));
});

t.test('every code block of the READMEs is marked, and every skip says why', async (t) => {
  for (const file of FILES) {
    const blocks = blocksOf(file);
    t.ok(blocks.length > 0, `${file}: ${blocks.length} blocks`);
    for (const b of blocks.filter((b) => b.mode === 'skip')) t.ok(b.reason!.length >= 10, `${blockTitle(file, b)}: skipped because ${b.reason}`);
  }
  const counts: Record<string, number> = {};
  for (const file of FILES) for (const b of blocksOf(file)) counts[b.mode] = (counts[b.mode] ?? 0) + 1;
  t.comment(`blocks by kind: ${JSON.stringify(counts)}`);
});

t.test('config blocks load through the config loaders', async (t) => {
  const dir = tempDir(t, 'sigstack-readme-config-');
  for (const file of FILES) {
    blocksOf(file).forEach((b, i) => {
      if (b.mode !== 'config' && b.mode !== 'fulcio-config') return;
      const path = join(dir, `${i}.${b.lang}`);
      writeFileSync(path, b.text);
      if (b.mode === 'config') {
        const shown = readConfigFile(path);
        t.has(resolveConfig(shown), shown, `${blockTitle(file, b)}: loads and keeps every value shown`);
      } else {
        const shown = readFulcioConfigFile(path);
        const cfg = parseFulcioConfig(shown);
        t.same([...cfg.oidcIssuers.keys()], Object.keys((shown.OIDCIssuers as object | undefined) ?? {}), `${blockTitle(file, b)}: every OIDC issuer parsed`);
        t.same([...cfg.metaIssuers.keys()], Object.keys((shown.MetaIssuers as object | undefined) ?? {}), `${blockTitle(file, b)}: every meta-issuer parsed`);
      }
    });
  }
});

t.test('"Two commands": the start command is what the walk-through runs, the test command is .ci/run\'s', async (t) => {
  const blocks = blocksOf('README.md').filter((b) => b.mode === 'entry-points');
  t.equal(blocks.length, 1, 'one entry-points block');
  const [start, test, ...rest] = commands(blocks[0]!.text);
  t.equal(rest.length, 0, 'two commands');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { packageManager: string; scripts: Record<string, string> };
  const pnpmMajor = /^pnpm@(\d+)\./.exec(pkg.packageManager)![1]!;
  const bootstrap = `npm install -g pnpm@${pnpmMajor} && pnpm install && `;
  t.equal(start, `${bootstrap}pnpm start`, 'start: pnpm (the packageManager major), install, start');
  t.equal(test, `${bootstrap}pnpm test`, 'test: pnpm (the packageManager major), install, test');
  t.match(pkg.scripts.start!, /^node (--[\w-]+=?\S* )*packages\/cli\/bin\/sigstack\.js up$/, '`pnpm start` is `sigstack up` with its defaults');
  const ci = readFileSync(join(REPO, '.ci/run'), 'utf8');
  t.match(ci, new RegExp(`npm install -g pnpm@${pnpmMajor}\\b`), '.ci/run installs the same pnpm');
  t.match(ci, /^pnpm install --frozen-lockfile$/m, '.ci/run installs the workspace');
  const ciTest = /^exec (.+)$/m.exec(ci)?.[1];
  t.equal(ciTest, pkg.scripts.test, '`pnpm test` runs exactly what .ci/run runs');
});

t.test('on a fresh clone, every README command runs as written', async (t) => {
  const readme = blocksOf('README.md');
  const deploy = blocksOf('deploy/README.md');
  await assertPortFree(3000, 'stack (http://127.0.0.1:3000)');
  await assertPortFree(5000, 'registry (127.0.0.1:5000)');
  const pnpmVersion = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const entry = commands(readme.find((b) => b.mode === 'entry-points')!.text)[0]!;
  const [, major, local] = /^npm install -g pnpm@(\d+) && (.+)$/.exec(entry)!;
  t.equal(pnpmVersion.split('.')[0], major, `pnpm ${pnpmVersion} is the README's pnpm@${major}`);

  const tmp = tempDir(t, 'sigstack-readme-');
  const clone = join(tmp, 'sigstack');
  copyWorkingTree(REPO, clone);
  peer('crane'); // installed, or a clear error
  peer('cosign2');
  peer('cosign3');

  // "install and start the whole stack" in another terminal; the reader waits for it.
  const started = Date.now();
  const [stack] = await Promise.all([
    startInOtherTerminal(t, local!, { cwd: clone, env: terminalEnv(), ready: new RegExp(`sigstack is up at ${STACK}\\b`), timeoutMs: 480_000 }),
    startRegistry(t, join(tmp, 'registry'), { port: 5000 }),
  ]);
  t.pass(`"${local}" built the clone and serves ${STACK} (${Math.round((Date.now() - started) / 1000)} s)`);

  const reader = (dir: string, path: string) => {
    const env = clientEnv(dir, {
      PATH: path,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      ...Object.fromEntries(['AUTHOR', 'COMMITTER'].flatMap((w) => [[`GIT_${w}_NAME`, 'README Reader'], [`GIT_${w}_EMAIL`, 'reader@example.com']])),
    });
    // A reader's terminal: TUF_ROOT at its default (~/.sigstore/root), no password preset.
    delete env.TUF_ROOT;
    delete env.COSIGN_PASSWORD;
    for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
    return env;
  };

  await t.test('README.md, top to bottom in one terminal at the clone root', async (t) => {
    const runnable = readme.filter((b) => b.mode === 'run' || b.mode === 'refused');
    t.ok(runnable.length >= 25, `${runnable.length} blocks to run`);
    const dir = join(tmp, 'readme-session');
    const { session, results } = await runSession(runnable, {
      cwd: clone,
      env: reader(dir, `${PEERS_BIN}:${process.env.PATH ?? ''}`),
      dir,
      timeoutMs: 600_000,
    });
    checkResults(t, 'README.md', runnable, results, session.code, session.stderr, readme);
    t.notMatch(stack.output(), /"level":(50|60)/, 'the stack logged no error');
  });

  await t.test('deploy/README.md, as an operator with sigstack installed and /var/lib writable', async (t) => {
    const runnable = deploy.filter((b) => b.mode === 'run' || b.mode === 'refused');
    t.ok(runnable.length >= 1, `${runnable.length} blocks to run`);
    const dir = join(tmp, 'deploy-session');
    const varLib = join(tmp, 'var-lib');
    mkdirSync(varLib);
    mkdirSync(join(tmp, 'operator'));
    const { session, results } = await runSession(runnable, {
      cwd: join(tmp, 'operator'),
      env: reader(dir, `${join(clone, 'node_modules', '.bin')}:${PEERS_BIN}:${process.env.PATH ?? ''}`),
      dir,
      timeoutMs: 300_000,
      wrap: (bash) => ['unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount --bind '${varLib}' /var/lib && exec "$@"`, 'sh', ...bash]],
    });
    checkResults(t, 'deploy/README.md', runnable, results, session.code, session.stderr, deploy);
  });
});

/** One subtest per block: its exit status, its refusal text, and the output block after it. */
function checkResults(t: Test, file: string, runnable: ReadmeBlock[], results: BlockResult[], code: number | null, sessionErr: string, all: ReadmeBlock[]): void {
  let stopped = false;
  const seconds = results.reduce((a, r) => a + (r.seconds || 0), 0);
  t.comment(`${file}: ${runnable.length} blocks in ${seconds.toFixed(0)} s; slowest: ${results
    .map((r, i) => ({ s: r.seconds, b: runnable[i]! }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s)
    .slice(0, 3)
    .map((x) => `line ${x.b.line} ${x.s.toFixed(1)} s`)
    .join(', ')}`);
  runnable.forEach((b, i) => {
    const r = results[i]!;
    t.test(blockTitle(file, b), async (t) => {
      if (stopped) return t.fail('not run: an earlier block failed');
      const shown = `block:\n${b.text}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      if (r.rc === '') {
        stopped = true;
        return t.fail(`the block failed (session exit ${code}): a command in it exited non-zero\n${shown}\nsession stderr:\n${sessionErr}`);
      }
      t.notMatch(r.stdout + r.stderr, /proxyconnect|\.sigstore\.dev/, 'stayed on this machine (no public-good default)');
      if (b.mode === 'run') t.equal(r.rc, '0', 'exit 0');
      else {
        t.not(r.rc, '0', `refused, as the README says\n${shown}`);
        t.ok(r.stderr.includes(b.expect!), `stderr names the refusal "${b.expect}"\n${shown}`);
        t.notMatch(r.stderr, /\n\s+at .*:\d+/, 'no stack trace');
      }
      const next = all[all.indexOf(b) + 1];
      if (next?.mode === 'output') t.ok(showsOutput(r.stdout + r.stderr, next.text), `prints what the README shows (line ${next.line})\n${shown}`);
    });
  });
  t.test('the session ran to the end', async (t) => {
    t.equal(code, 0, sessionErr);
  });
}
