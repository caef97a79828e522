// Client benchmarks (issue 9): the sigstack client against cosign on the same bundles.
//   node scripts/bench/client.mjs [--bundles 200] [--seconds 5] [--runs 15] [--big-gib 2]
// 1. library: verifications per second of a batch of bundles (keyless: chain, SCT,
//    Rekor inclusion proof + checkpoint, TSA timestamp; and key-signed): the sigstore-js
//    path and our fast path on one thread, and the batch API on all cores;
// 2. process: whole-process wall time of `sigstack verify-blob` and `cosign verify-blob`
//    (3.1 and 2.5) on the same bundle, median of --runs;
// 3. a large artifact (sparse file of --big-gib GiB): sign-blob and verify-blob time and
//    peak RSS, sigstack and cosign 3.1.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, truncateSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startStack } from './start-stack.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SIGSTACK = join(ROOT, 'packages/cli/bin/sigstack.js');
const PEERS = join(process.env.SIGSTACK_PEERS ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME, '.cache'), 'sigstack-peers'), 'bin');
const { values: opt } = parseArgs({ options: { bundles: { type: 'string', default: '200' }, seconds: { type: 'string', default: '5' }, runs: { type: 'string', default: '15' }, 'big-gib': { type: 'string', default: '2' } } });
const client = await import(join(ROOT, 'packages/client/dist/index.js'));

const dir = mkdtempSync(join(tmpdir(), 'sigstack-bench-client-'));
const stack = await startStack(join(dir, 'data'));
const trust = join(dir, 'data', 'trust');
const env = { ...process.env, HOME: join(dir, 'home'), COSIGN_PASSWORD: 'bench', TUF_ROOT: join(dir, 'tuf') };
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { env, cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const out = (line) => process.stdout.write(line + '\n');

try {
  out(`# client benchmarks, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);
  run(process.execPath, [SIGSTACK, 'generate-key-pair', '--output-key-prefix', join(dir, 'bench')]);
  const token = run(process.execPath, [SIGSTACK, 'dev-token', '--data-dir', join(dir, 'data'), '--email', 'bench@example.com', '--ttl', '3600']).stdout.trim();
  const signingConfig = join(trust, 'signing_config.v0.2.json');
  const services = client.servicesFromSigningConfig(readFileSync(signingConfig, 'utf8'), signingConfig);
  const keyless = client.BundleSigner.create({ identity: { kind: 'keyless', token: async () => token }, services });
  const keyed = client.BundleSigner.create({
    identity: { kind: 'key', key: await client.loadPrivateKey(readFileSync(join(dir, 'bench.key'), 'utf8'), () => 'bench') },
    services: { rekor: services.rekor },
  });

  // 1. library throughput: sigstore-js (BundleVerifier) and our fast path on one thread,
  //    and the batch API (worker threads) on all cores, over the same bundles.
  const n = Number(opt.bundles);
  const fastApi = await import(join(ROOT, 'packages/client/dist/verify/fast/index.js'));
  const make = async (signer, prefix, count = n) => {
    const items = [];
    for (let i = 0; i < count; i++) {
      const data = Buffer.from(`${prefix} artifact ${i}\n`);
      const json = await (typeof signer === 'function' ? signer() : signer).signMessage(data);
      items.push({ data, json: JSON.stringify(json), bundle: client.parseBundle(json) });
    }
    return items;
  };
  const secondsFor = Number(opt.seconds);
  const loop = async (verify, items) => {
    const until = Date.now() + secondsFor * 1000;
    let count = 0;
    const t0 = process.hrtime.bigint();
    while (Date.now() < until) {
      count += await verify(items);
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return { rate: Math.round(count / secs), count, secs };
  };
  const trustedRoot = client.readTrustedRootFile(join(trust, 'trusted_root.json'));
  const keylessOpts = { trustedRoot, identity: { subject: 'bench@example.com', issuer: `${stack.url}/oidc` } };
  const keyOpts = { trustedRoot, key: (await import('node:crypto')).createPublicKey(readFileSync(join(dir, 'bench.pub'))) };
  const freshSigner = () => client.BundleSigner.create({ identity: { kind: 'keyless', token: async () => token }, services });
  const threads = cpus().length;
  for (const [name, signer, opts, count] of [
    ['keyless (certificate, SCT, inclusion proof, checkpoint, TSA; one signer, one certificate for all bundles)', keyless, keylessOpts, n],
    ['keyless, one certificate per bundle (every chain and SCT verified cold)', freshSigner, keylessOpts, Math.min(n, 100)],
    ['key (inclusion proof, checkpoint, SET)', keyed, keyOpts, n],
  ]) {
    const items = await make(signer, name, count);
    const slowVerifier = new client.BundleVerifier(opts);
    // BundleVerifier.verify takes the fast path for these shapes: the baseline is its sigstore-js path.
    const slow = { verify: (b, a) => slowVerifier.verifyWithSigstoreJs(b, a) };
    const one = async (v, its) => {
      for (const it of its) await v.verify(it.bundle, { kind: 'bytes', data: it.data });
      return its.length;
    };
    const s = await loop((its) => one(slow, its), items);
    out(`library verify, ${name}: sigstore-js path, one thread: ${s.rate} bundles/s (${s.count} in ${s.secs.toFixed(1)} s, ${items.length} distinct bundles)`);
    // Cold: a fresh fast verifier per pass, so nothing is cached across passes (trust root parsing included).
    const fresh = await loop((its) => one(new fastApi.FastBundleVerifier(opts), its), items);
    out(`library verify, ${name}: fast path, one thread, new verifier per pass of ${items.length}: ${fresh.rate} bundles/s`);
    const fast = new fastApi.FastBundleVerifier(opts);
    const f = await loop((its) => one(fast, its), items);
    out(`library verify, ${name}: fast path, one thread: ${f.rate} bundles/s (${f.count} in ${f.secs.toFixed(1)} s)`);
    const pool = new fastApi.VerifierPool(opts, { threads });
    const batch = Array.from({ length: Math.ceil(2000 / items.length) }, () => items.map((it) => ({ bundle: it.json, artifact: { kind: 'bytes', data: it.data } }))).flat();
    const warm = await pool.verify(batch.slice(0, threads * 32));
    if (!warm.every((r) => r.ok && !r.fallback)) throw new Error(`batch: ${JSON.stringify(warm.find((r) => !r.ok || r.fallback))}`);
    const b = await loop(async (its) => {
      const r = await pool.verify(its);
      return r.length;
    }, batch);
    await pool.close();
    out(`library verify, ${name}: batch API (verifyBundles/VerifierPool, bundle JSON parsed in the workers), ${threads} threads: ${b.rate} bundles/s (${b.count} in ${b.secs.toFixed(1)} s)`);
  }

  // 2. whole-process wall time on the same bundle
  const artifact = join(dir, 'artifact.txt');
  writeFileSync(artifact, 'one artifact\n');
  const bundle = join(dir, 'artifact.sigstore.json');
  writeFileSync(bundle, JSON.stringify(await keyless.signFile(artifact)));
  const who = ['--certificate-identity', 'bench@example.com', '--certificate-oidc-issuer', `${stack.url}/oidc`];
  const tr = ['--trusted-root', join(trust, 'trusted_root.json')];
  const cmds = [
    ['sigstack verify-blob', process.execPath, [SIGSTACK, 'verify-blob', '--bundle', bundle, ...tr, ...who, artifact]],
    ['cosign 3.1 verify-blob', join(PEERS, 'cosign3'), ['verify-blob', '--bundle', bundle, ...tr, ...who, artifact]],
    ['cosign 2.5 verify-blob', join(PEERS, 'cosign2'), ['verify-blob', '--new-bundle-format', '--bundle', bundle, ...tr, ...who, artifact]],
    ['node -e "" (node itself)', process.execPath, ['-e', '']],
  ];
  for (const [name, cmd, args] of cmds) {
    if (!existsSync(cmd)) continue;
    const times = [];
    for (let i = 0; i < Number(opt.runs); i++) {
      const t0 = process.hrtime.bigint();
      run(cmd, args);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    out(`process: ${name}: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, ${times.length} runs)`);
  }

  // 3. a large artifact, streamed
  const gib = Number(opt['big-gib']);
  if (gib > 0) {
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, gib * 1024 ** 3);
    const timed = (name, cmd, args) => {
      const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env, cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      const [secs, kb] = r.stderr.trim().split('\n').at(-1).split(' ');
      out(`${gib} GiB artifact: ${name}: ${secs} s, peak RSS ${Math.round(Number(kb) / 1024)} MiB`);
    };
    const bigBundle = join(dir, 'big.sigstore.json');
    timed('sigstack sign-blob --key', process.execPath, [SIGSTACK, 'sign-blob', '--key', join(dir, 'bench.key'), '--rekor-url', stack.url, '--bundle', bigBundle, big]);
    timed('sigstack verify-blob --key', process.execPath, [SIGSTACK, 'verify-blob', '--key', join(dir, 'bench.pub'), '--bundle', bigBundle, ...tr, big]);
    if (existsSync(join(PEERS, 'cosign3'))) timed('cosign 3.1 verify-blob --key', join(PEERS, 'cosign3'), ['verify-blob', '--key', join(dir, 'bench.pub'), '--bundle', bigBundle, ...tr, big]);
  }
} finally {
  stack.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
