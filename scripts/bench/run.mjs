#!/usr/bin/env node
// pnpm bench: end-to-end benchmarks of a live stack over HTTP on 127.0.0.1.
// Not a test: it asserts nothing, it prints figures for BENCHMARKS.md.
//
//   node scripts/bench/run.mjs [--entries-per-level N] [--fill N] [--tiles-entries N] [--only rekor|tsa|fulcio|overload|tiles|rekor-v2]
//   node scripts/bench/run.mjs --only hsm [--secs 10] [--rounds 1]   keys on SoftHSM2 vs files, alternating (issue 13)
//   node scripts/bench/run.mjs --only rekor-v2 [--secs 10] [--concurrency 64] [--rounds 1]
//        [--refstack /work/shared/refstack] [--upstream-intervals 10s,1s,100ms]
//
// Rekor: concurrent hashedrekord submissions (real ECDSA P-256 signatures, fresh
// artifacts) at concurrency 1, 16 and 128: entries/s, p50/p99 latency; then
// inclusion-proof reads/s (GET by log index: proof + checkpoint + SET); then, with
// --fill N, RSS of the server while the log grows to N entries (1,000,000 for the
// figure in BENCHMARKS.md).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from './start-stack.mjs';
import { hashedrekordMaker, WRITE_PATHS } from './bodies.mjs';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opt } = parseArgs({
  options: {
    'entries-per-level': { type: 'string', default: '20000' },
    fill: { type: 'string', default: '0' },
    reads: { type: 'string', default: '50000' },
    only: { type: 'string' },
    'tiles-entries': { type: 'string', default: '51200' },
    // rekor-v2
    secs: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '1' },
    refstack: { type: 'string', default: process.env.REFSTACK_TOOLS ?? '/work/shared/refstack' },
    'upstream-intervals': { type: 'string', default: '10s,1s,100ms' },
  },
});

function rssMiB(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(s)[1]) / 1024;
}

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const makers = { v1: hashedrekordMaker('v1', key.privateKey, key.publicKey), v2: hashedrekordMaker('v2', key.privateKey, key.publicKey) };

/** `n` fresh pre-signed hashedrekord bodies for Rekor `api` ('v1' | 'v2'); see bodies.mjs. */
function* hashedrekords(n, api = 'v1') {
  for (let i = 0; i < n; i++) yield makers[api]();
}

function request(agent, url, method, path, body, contentType = 'application/json') {
  return new Promise((res, rej) => {
    const u = new URL(path, url);
    const req = http.request(
      { agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: body ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {} },
      (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', rej);
    if (body) req.write(body);
    req.end();
  });
}

const HAVE_WRK = spawnSync('wrk', ['--version']).status !== null;
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * wrk (C, epoll) as the load generator when installed (apt-get install wrk): a
 * Node client on the same 2 cores costs about as much CPU as the server and
 * halves what can be measured. Returns {rate, p50, p99, errors}.
 */
function wrk(url, script, concurrency, seconds, env, threads = Math.min(2, concurrency), timeoutSecs = 2) {
  const r = spawnSync('wrk', ['-t', String(threads), '-c', String(concurrency), '-d', `${seconds}s`, '--timeout', `${timeoutSecs}s`, '--latency', '-s', join(HERE, script), url], {
    env: { ...process.env, ...env, THREADS: String(threads) },
    encoding: 'utf8',
  });
  const out = r.stdout + r.stderr;
  const num = (re) => {
    const m = re.exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  return {
    rate: num(/Requests\/sec:\s+([\d.]+)/),
    p50: num(/50%\s+([\d.]+)(us|ms|s)/),
    p99: num(/99%\s+([\d.]+)(us|ms|s)/),
    errors: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
    requests: num(/(\d+) requests in/),
    timeouts: num(/timeout (\d+)/) || 0,
    statuses: /^status(.*)$/m.exec(out)?.[1].trim() ?? '',
    raw: out,
  };
}

/**
 * Hashedrekord writes to one log at concurrency `c` for `secs` seconds: `n` fresh
 * pre-signed bodies for `api` (bodies.mjs), each sent once by wrk (writes.lua) to
 * `url` + the API's write path. The one write measurement for Rekor v1, our Rekor v2
 * and upstream rekor-tiles. Adds the load average (1 min) before and after: other
 * work on the machine shows there.
 */
function writeRun(url, api, c, secs, dir, { n = 60000, timeoutSecs = 2, pid } = {}) {
  const file = join(dir, `bodies-${api}-${c}-${Date.now()}.txt`);
  writeFileSync(file, [...hashedrekords(n, api)].join('\n') + '\n');
  const loadBefore = os.loadavg()[0];
  const cpuBefore = pid ? cpuMs(pid) : 0;
  const r = wrk(url, 'writes.lua', c, secs, { BODIES: file, WRITE_PATH: WRITE_PATHS[api] }, Math.min(2, c), timeoutSecs);
  // Server CPU (user + system, all threads) per request: what the server spends, whatever else runs.
  const cpuPerReq = pid ? (cpuMs(pid) - cpuBefore) / r.requests : NaN;
  rmSync(file, { force: true });
  if (r.requests >= n) console.log(`warning: ${r.requests} requests from ${n} bodies: some were sent twice`);
  return { ...r, cpuPerReq, load: [loadBefore, os.loadavg()[0]] };
}

/** CPU time (user + system, every thread) of process `pid` so far, in ms. */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const fmtRun = (r) =>
  `${r.rate.toFixed(0)} writes/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, non-2xx ${r.errors}, timeouts ${r.timeouts}, statuses ${r.statuses}, server CPU ${r.cpuPerReq.toFixed(3)} ms/request (${r.requests} requests; load ${r.load.map((l) => l.toFixed(2)).join('→')})`;

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `jobs` through `concurrency` workers; returns {rate, p50, p99, errors}. */
async function load(concurrency, jobs, fn) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const lat = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= jobs.length) return;
        const s = performance.now();
        const r = await fn(agent, jobs[i]);
        lat.push(performance.now() - s);
        if (!r) errors++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { rate: jobs.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

async function benchRekor() {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-'));
  const { child, url } = await startStack(dataDir);
  const per = Number(opt['entries-per-level']);
  const results = [];
  try {
    for (const c of [1, 16, 128]) {
      const n = HAVE_WRK ? (c === 1 ? 5000 : 60000) : c === 1 ? Math.min(per, 3000) : per;
      if (HAVE_WRK) {
        // Each body is sent once; the run is short enough not to wrap around.
        const secs = c === 1 ? 5 : 8;
        const r = writeRun(url, 'v1', c, secs, dataDir, { n });
        results.push({ what: `hashedrekord appends, concurrency ${c}`, n, ...r });
        console.log(`rekor append c=${c} (wrk ${secs}s): ${fmtRun(r)}`);
        continue;
      }
      const r = await load(c, [...hashedrekords(n)], async (agent, body) => {
        let res = await request(agent, url, 'POST', '/api/v1/log/entries', body);
        while (res.status === 503) {
          await new Promise((z) => setTimeout(z, 50));
          res = await request(agent, url, 'POST', '/api/v1/log/entries', body);
        }
        return res.status === 201;
      });
      results.push({ what: `hashedrekord appends, concurrency ${c}`, n, ...r });
      console.log(`rekor append c=${c}: ${r.rate.toFixed(0)} entries/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors} (n=${n})`);
    }
    const info = JSON.parse((await request(undefined, url, 'GET', '/api/v1/log')).body);
    const size = info.treeSize;
    const reads = Array.from({ length: Number(opt.reads) }, () => Math.floor(Math.random() * size));
    for (const c of [16, 64]) {
      if (HAVE_WRK) {
        const r = wrk(url, 'reads.lua', c, 8, { SIZE: String(size) });
        console.log(`rekor proof reads c=${c} (wrk): ${r.rate.toFixed(0)} reads/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, non-2xx ${r.errors} (tree size ${size})`);
        continue;
      }
      const r = await load(c, reads, async (agent, i) => (await request(agent, url, 'GET', `/api/v1/log/entries?logIndex=${i}`)).status === 200);
      results.push({ what: `inclusion-proof reads (GET entry by index), concurrency ${c}`, n: reads.length, ...r });
      console.log(`rekor proof reads c=${c}: ${r.rate.toFixed(0)} reads/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors} (tree size ${size})`);
    }
    const consist = Array.from({ length: 20000 }, () => {
      const a = 1 + Math.floor(Math.random() * (size - 1));
      return [a, a + Math.floor(Math.random() * (size - a + 1))];
    });
    const rc = await load(64, consist, async (agent, [a, b]) => (await request(agent, url, 'GET', `/api/v1/log/proof?firstSize=${a}&lastSize=${b}`)).status === 200);
    console.log(`rekor consistency proofs c=64: ${rc.rate.toFixed(0)} proofs/s, p50 ${rc.p50.toFixed(2)} ms, p99 ${rc.p99.toFixed(2)} ms`);
    console.log(`server RSS after ${size} entries: ${rssMiB(child.pid).toFixed(0)} MiB`);

    const fill = Number(opt.fill);
    if (fill > 0) {
      let done = size;
      const step = 50_000;
      while (done < fill) {
        const n = Math.min(step, fill - done);
        const r = await load(128, [...hashedrekords(n)], async (agent, body) => {
          let res = await request(agent, url, 'POST', '/api/v1/log/entries', body);
          while (res.status === 503) {
            await new Promise((z) => setTimeout(z, 50));
            res = await request(agent, url, 'POST', '/api/v1/log/entries', body);
          }
          return res.status === 201;
        });
        done += n;
        console.log(`fill: ${done} entries, ${r.rate.toFixed(0)} entries/s, server RSS ${rssMiB(child.pid).toFixed(0)} MiB`);
      }
      const r = await load(64, reads.map(() => Math.floor(Math.random() * done)), async (agent, i) => (await request(agent, url, 'GET', `/api/v1/log/entries?logIndex=${i}`)).status === 200);
      console.log(`rekor proof reads at ${done} entries c=64: ${r.rate.toFixed(0)} reads/s, p99 ${r.p99.toFixed(2)} ms; server RSS ${rssMiB(child.pid).toFixed(0)} MiB`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

async function benchTsa() {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-'));
  const { child, url } = await startStack(dataDir);
  try {
    const query = join(dataDir, 'q.tsq');
    spawnSync('openssl', ['ts', '-query', '-digest', createHash('sha256').update('bench').digest('hex'), '-sha256', '-cert', '-out', query]);
    const body = readFileSync(query);
    for (const c of [1, 32]) {
      if (HAVE_WRK) {
        const r = wrk(url, 'tsa.lua', c, 8, { QUERY: query });
        console.log(`tsa c=${c} (wrk): ${r.rate.toFixed(0)} timestamps/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, non-2xx ${r.errors}`);
        continue;
      }
      const jobs = Array.from({ length: c === 1 ? 3000 : 30000 }, () => body);
      const r = await load(c, jobs, async (agent, b) => (await request(agent, url, 'POST', '/api/v1/timestamp', b, 'application/timestamp-query')).status === 200);
      console.log(`tsa c=${c}: ${r.rate.toFixed(0)} timestamps/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Fulcio: certificates over HTTP (API v2, token in the Authorization header): token
 * verification, proof of possession, precertificate, SCT from the in-process CT log
 * (durable), final certificate. A P-256 and a P-384 CA hierarchy. The token comes from
 * the development issuer; each request carries its own P-256 key and proof.
 */
async function benchFulcio() {
  for (const alg of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384']) {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-'));
    const cfg = join(dataDir, 'bench.yaml');
    writeFileSync(cfg, `fulcio:\n  caAlgorithm: ${alg}\n`);
    const { child, url } = await startStack(join(dataDir, 'data'), { args: ['--config', cfg] });
    try {
      const { token, tokenFile, bodies, bodiesFile } = fulcioRequests(dataDir, join(dataDir, 'data'));
      for (const c of [1, 32]) {
        if (HAVE_WRK) {
          const r = wrk(url, 'fulcio.lua', c, 8, { BODIES: bodiesFile, TOKEN_FILE: tokenFile });
          console.log(`fulcio ${alg} c=${c} (wrk 8s): ${r.rate.toFixed(0)} certificates/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, non-2xx ${r.errors}`);
          continue;
        }
        const jobs = Array.from({ length: c === 1 ? 1000 : 10000 }, (_, i) => bodies[i % bodies.length]);
        const r = await load(c, jobs, async (agent, b) => {
          const u = new URL('/api/v2/signingCert', url);
          return new Promise((res) => {
            const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(b) } }, (rs) => {
              rs.resume();
              rs.on('end', () => res(rs.statusCode === 200));
            });
            req.on('error', () => res(false));
            req.end(b);
          });
        });
        console.log(`fulcio ${alg} c=${c}: ${r.rate.toFixed(0)} certificates/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
      }
      const sth = JSON.parse((await request(undefined, url, 'GET', '/ct/v1/get-sth')).body);
      console.log(`ct log size after the fulcio run: ${sth.tree_size}; server RSS ${rssMiB(child.pid).toFixed(0)} MiB`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/**
 * A development token (bench@example.com) from the stack on `stackDataDir` and 2000
 * certificate requests (API v2, each its own P-256 key and proof), in files under
 * `dir` for fulcio.lua.
 */
function fulcioRequests(dir, stackDataDir) {
  const email = 'bench@example.com';
  const tok = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/sigstack.js'), 'dev-token', '--data-dir', stackDataDir, '--email', email, '--ttl', '3600'], { encoding: 'utf8' });
  const token = tok.stdout.trim();
  if (!token) throw new Error(`dev-token failed: ${tok.stderr}`);
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token + '\n');
  const bodies = Array.from({ length: 2000 }, () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return JSON.stringify({
      publicKeyRequest: {
        publicKey: { algorithm: 'ECDSA', content: k.publicKey.export({ type: 'spki', format: 'pem' }) },
        proofOfPossession: sign('sha256', Buffer.from(email), k.privateKey).toString('base64'),
      },
    });
  });
  const bodiesFile = join(dir, 'bodies.txt');
  writeFileSync(bodiesFile, bodies.join('\n') + '\n');
  return { token, tokenFile, bodies, bodiesFile };
}

/**
 * Keys on an HSM (issue 13): the CA (intermediate + CT log), Rekor v1 writes and the
 * TSA with every key on a SoftHSM2 token (PKCS#11, pooled sessions, signing on
 * libuv's threads) against the same stack with file keys, alternating file, HSM,
 * file, HSM so that load from other work on the machine falls on both. wrk only.
 * SoftHSM2 comes from scripts/install-softhsm.sh; each HSM run makes its own token.
 */
async function benchHsm() {
  if (!HAVE_WRK) throw new Error('--only hsm needs wrk');
  const peers = process.env.SIGSTACK_PEERS ?? join(process.env.XDG_CACHE_HOME ?? join(os.homedir(), '.cache'), 'sigstack-peers');
  const module = join(peers, 'softhsm/usr/lib/softhsm/libsofthsm2.so');
  if (!existsSync(module)) throw new Error('SoftHSM2 is missing: bash scripts/install-softhsm.sh');
  const cli = (args, env) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/sigstack.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(`sigstack ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const secs = Number(opt.secs);
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const keys of ['file', 'softhsm']) {
      const dir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-hsm-'));
      const cfg = join(dir, 'bench.yaml');
      let env = {};
      if (keys === 'softhsm') {
        // A token of its own (the same steps as test/lib/softhsm.ts).
        writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
        mkdirSync(join(dir, 'tokens'));
        env = { SOFTHSM2_CONF: join(dir, 'softhsm2.conf') };
        writeFileSync(join(dir, 'pin'), '1234\n');
        const init = spawnSync(join(peers, 'bin/softhsm2-util'), ['--module', module, '--init-token', '--free', '--label', 'bench', '--pin', '1234', '--so-pin', '87654321'], { env: { ...process.env, ...env }, encoding: 'utf8' });
        if (init.status !== 0) throw new Error(`softhsm2-util: ${init.stderr}`);
        const uri = (o) => `pkcs11:token=bench;object=${o}?module-path=${module}&pin-source=file:${join(dir, 'pin')}`;
        for (const o of ['rekor', 'ctlog', 'fulcio', 'tsa']) cli(['hsm', 'generate', '--uri', uri(o)], env);
        writeFileSync(cfg, ['rekor', 'ctlog', 'fulcio', 'tsa'].map((o) => `${o}:\n  key: { path: '${uri(o)}' }\n`).join(''));
      } else writeFileSync(cfg, '{}\n');
      const { child, url } = await startStack(join(dir, 'data'), { args: ['--config', cfg], env });
      try {
        const tag = `hsm round ${round} ${keys.padEnd(7)}`;
        const w = writeRun(url, 'v1', 16, secs, dir, { pid: child.pid });
        console.log(`${tag} rekor v1 writes c=16 (wrk ${secs}s): ${fmtRun(w)}`);
        const query = join(dir, 'q.tsq');
        spawnSync('openssl', ['ts', '-query', '-digest', createHash('sha256').update('bench').digest('hex'), '-sha256', '-cert', '-out', query]);
        // Server CPU per request as well as rates: other work on the machine moves the rates more than it moves CPU.
        let load0 = os.loadavg()[0];
        let cpu0 = cpuMs(child.pid);
        const t = wrk(url, 'tsa.lua', 32, secs, { QUERY: query });
        const tsaCpu = (cpuMs(child.pid) - cpu0) / t.requests;
        console.log(`${tag} tsa c=32 (wrk ${secs}s): ${t.rate.toFixed(0)} timestamps/s, p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms, non-2xx ${t.errors}, server CPU ${tsaCpu.toFixed(3)} ms/request (load ${load0.toFixed(2)}→${os.loadavg()[0].toFixed(2)})`);
        const { tokenFile, bodiesFile } = fulcioRequests(dir, join(dir, 'data'));
        load0 = os.loadavg()[0];
        cpu0 = cpuMs(child.pid);
        const f = wrk(url, 'fulcio.lua', 32, secs, { BODIES: bodiesFile, TOKEN_FILE: tokenFile });
        const ok = Number(/200=(\d+)/.exec(f.statuses)?.[1] ?? 0);
        console.log(`${tag} fulcio c=32 (wrk ${secs}s): ${(ok / secs).toFixed(0)} certificates/s (200s), p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms, statuses ${f.statuses}, server CPU ${((cpuMs(child.pid) - cpu0) / f.requests).toFixed(3)} ms/request (load ${load0.toFixed(2)}→${os.loadavg()[0].toFixed(2)})`);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.on('exit', r));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

/**
 * Overload (issue 10): 512 connections on a stack with the default shedding bounds,
 * scripts/bench/overload.mjs in its own process (3/4 writing, 1/4 reading; a refused
 * client waits its Retry-After, as Sigstore clients do), then the same with clients
 * that ignore Retry-After. Reports what was accepted (rate, p50/p99) and shed.
 */
async function benchOverload() {
  for (const hostile of [false, true]) {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-'));
    const { child, url } = await startStack(dataDir);
    try {
      const r = spawnSync(process.execPath, [join(HERE, 'overload.mjs'), '--url', url, '--connections', '512', '--seconds', '10', '--bodies', '40000', ...(hostile ? ['--ignore-retry-after'] : [])], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`overload failed: ${r.stderr}`);
      const o = JSON.parse(r.stdout);
      const a = o.accepted;
      console.log(
        `overload c=512 ${hostile ? 'clients ignoring Retry-After' : 'clients honouring Retry-After'} (${o.seconds}s): statuses ${JSON.stringify(o.byStatus)}; ` +
          `accepted writes ${a.write.perSecond}/s p50 ${a.write.p50} p99 ${a.write.p99} ms; reads ${a.read.perSecond}/s p50 ${a.read.p50} p99 ${a.read.p99} ms; ` +
          `all accepted p99 ${a.all.p99} ms max ${a.all.max} ms; shed ${o.shed.write.count + o.shed.read.count} (p99 ${o.shed.write.p99 ?? o.shed.read.p99} ms), without Retry-After ${o.shed.withoutRetryAfter}`,
      );
      const metrics = (await request(undefined, url, 'GET', '/metrics')).body.toString();
      console.log(metrics.split('\n').filter((l) => l.startsWith('sigstack_shed_requests_total{')).join('; '));
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.on('exit', res));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/**
 * Tiles (issue 11): the C2SP tlog-tiles read API of the Rekor v1 log filled with
 * --tiles-entries entries (default 51,200: 200 full level-0 tiles). wrk at c=64: random
 * full tiles, the checkpoint, random full entry bundles (256 SQLite rows each). Then
 * whether tile reads stall the sequencer: write latency at c=16 alone, and again
 * while wrk reads tiles at c=64 (reads are synchronous, lock-free engine reads).
 */
async function benchTiles() {
  if (!HAVE_WRK) {
    console.log('tiles: needs wrk (apt-get install wrk); a Node load generator on the same cores measures itself');
    return;
  }
  const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-'));
  const { child, url } = await startStack(dataDir);
  try {
    const entries = Number(opt['tiles-entries']);
    const fillFile = join(dataDir, 'fill.txt');
    writeFileSync(fillFile, [...hashedrekords(entries)].join('\n') + '\n');
    // Fill with wrk (each body once): ~entries / (append rate) seconds.
    for (let size = 0; size < entries; ) {
      wrk(url, 'writes.lua', 128, 5, { BODIES: fillFile, START: String(size) });
      const s = JSON.parse((await request(undefined, url, 'GET', '/api/v1/log')).body).treeSize;
      if (s === size) break;
      size = s;
    }
    const size = JSON.parse((await request(undefined, url, 'GET', '/api/v1/log')).body).treeSize;
    const full = Math.floor(size / 256);
    const bundleBytes = (await request(undefined, url, 'GET', '/api/v1/log/tiles/tile/entries/000')).body.length;
    console.log(`tiles: Rekor v1 log at ${size} entries (${full} full level-0 tiles; a full entry bundle is ${bundleBytes} bytes)`);
    for (const mode of ['tiles', 'checkpoint', 'entries']) {
      // One wrk thread: the server is one event loop on 2 cores, a second wrk thread takes the core it needs.
      const r = wrk(url, 'tiles.lua', 64, 10, { PREFIX: '/api/v1/log/tiles', FULL: String(full), MODE: mode }, 1);
      const mb = mode === 'entries' ? `, ${((r.rate * bundleBytes) / 2 ** 20).toFixed(0)} MiB/s` : '';
      console.log(`tiles ${mode} c=64 (wrk -t1 10s): ${r.rate.toFixed(0)} req/s${mb}, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, non-2xx ${r.errors}`);
    }
    // Sequencer stall check: appends at c=16 (Node client), alone and while tiles are
    // read at a paced 5,000/s (a closed-loop generator would saturate the one event
    // loop and measure CPU contention, not stalls: reads take no lock).
    const appends = async (label) => {
      const r = await load(16, [...hashedrekords(3000)], async (agent, body) => (await request(agent, url, 'POST', '/api/v1/log/entries', body)).status === 201);
      console.log(`tiles: appends c=16 ${label}: ${r.rate.toFixed(0)} entries/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
    };
    await appends('alone');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    let served = 0;
    const t0 = performance.now();
    const pacer = setInterval(() => {
      for (let i = 0; i < 50; i++) {
        const n = Math.floor(Math.random() * full);
        request(agent, url, 'GET', `/api/v1/log/tiles/tile/0/${n >= 1000 ? `x${String(Math.floor(n / 1000)).padStart(3, '0')}/` : ''}${String(n % 1000).padStart(3, '0')}`).then((r) => r.status === 200 && served++, () => {});
      }
    }, 10);
    await appends('while tiles are read at 5,000/s');
    clearInterval(pacer);
    agent.destroy();
    console.log(`tiles: ${(served / ((performance.now() - t0) / 1000)).toFixed(0)} tiles/s served meanwhile`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Rekor v2 writes (issue 11), side by side on this machine with the same request mix
 * (hashedrekord, fresh artifacts, one P-256 key, pre-signed; wrk, c=64): our Rekor v2
 * and our Rekor v1 on one fresh stack, then upstream rekor-tiles (POSIX backend,
 * started by the refstack's start-rekor-tiles.sh from --refstack) once per checkpoint
 * interval in --upstream-intervals. Upstream answers a write only once a checkpoint
 * covering it is published, so its latency is about the interval; ours answers when the
 * entry's batch is committed and fsynced. --rounds repeats the whole sequence.
 */
async function benchRekorV2() {
  if (!HAVE_WRK) {
    console.log('rekor-v2: needs wrk (apt-get install wrk)');
    return;
  }
  const secs = Number(opt.secs);
  const c = Number(opt.concurrency);
  const tools = opt.refstack;
  const intervals = opt['upstream-intervals'].split(',').filter(Boolean);
  for (let round = 1; round <= Number(opt.rounds); round++) {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-'));
    const { child, url } = await startStack(dataDir);
    try {
      for (const api of ['v2', 'v1']) {
        const r = writeRun(url, api, c, secs, dataDir, { pid: child.pid });
        console.log(`round ${round} ours rekor ${api} c=${c} (wrk ${secs}s): ${fmtRun(r)}; server RSS ${rssMiB(child.pid).toFixed(0)} MiB`);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
    const start = join(tools, 'start-rekor-tiles.sh');
    if (!existsSync(start)) {
      console.log(`rekor-v2: no ${start} (--refstack DIR: the refstack tools; bash setup.sh builds the servers): upstream skipped`);
      continue;
    }
    for (const interval of intervals) {
      const dir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-tiles-'));
      const [httpPort, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
      const env = { ...process.env, TILES_HTTP_PORT: String(httpPort), TILES_GRPC_PORT: String(grpc), TILES_METRICS_PORT: String(metrics), TILES_READ_PORT: '0', TILES_CHECKPOINT_INTERVAL: interval };
      try {
        const up = spawnSync('bash', [start, dir], { env, encoding: 'utf8' });
        if (up.status !== 0) throw new Error(`start-rekor-tiles.sh failed: ${up.stdout}${up.stderr}`);
        const pid = Number(readFileSync(join(dir, 'rekor-tiles', 'rekor-tiles.pid'), 'utf8'));
        // Every in-flight write waits for the next checkpoint: run long enough for several.
        const s = Math.max(secs, Math.ceil(parseDuration(interval) * 4));
        const r = writeRun(`http://127.0.0.1:${httpPort}`, 'v2', c, s, dir, { n: 60000, timeoutSecs: Math.ceil(parseDuration(interval) * 3 + 10), pid });
        console.log(`round ${round} upstream rekor-tiles POSIX, checkpoint interval ${interval}, c=${c} (wrk ${s}s): ${fmtRun(r)}; server RSS ${rssMiB(pid).toFixed(0)} MiB`);
      } finally {
        spawnSync('bash', [join(tools, 'stop.sh'), dir], { env, encoding: 'utf8' });
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

/** Seconds in a Go duration such as 10s, 1s, 250ms. */
function parseDuration(d) {
  const m = /^([\d.]+)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2]];
}

console.log(`sigstack bench — ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${new Date().toISOString()}`);
if (!opt.only || opt.only === 'rekor') await benchRekor();
if (!opt.only || opt.only === 'tsa') await benchTsa();
if (!opt.only || opt.only === 'fulcio') await benchFulcio();
if (!opt.only || opt.only === 'overload') await benchOverload();
if (!opt.only || opt.only === 'tiles') await benchTiles();
if (!opt.only || opt.only === 'rekor-v2') await benchRekorV2();
// Not in the default run: it needs SoftHSM2 (scripts/install-softhsm.sh).
if (opt.only === 'hsm') await benchHsm();
