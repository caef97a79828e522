#!/usr/bin/env node
// RSS of the whole stack while a Rekor log (v1, or v2 with --api v2) grows to N
// entries over HTTP, then random reads (v1 inclusion proofs, v2 full tiles). Not a
// test: it prints figures for BENCHMARKS.md.
//
//   node scripts/bench/fill.mjs [--api v1|v2] [--entries N] [--env K=V ...] [--seed DIR] [--keep DIR]
//                               [--bodies FILE] [--sample S] [--every N] [--concurrency C] [--reads-secs S]
//
// The load generator is wrk with writes.lua (the Node client of run.mjs --fill costs as
// much CPU as the server). Its bodies are pre-signed hashedrekords (real P-256, fresh
// artifacts, bodies.mjs, v1 or v2 requests), generated once into
// $TMPDIR/sigstack-fill-bodies-[v2-]<count>.txt and reused by later runs (each run starts
// from a fresh data directory, so no body is a duplicate). wrk runs until the tree
// reaches N entries and is then stopped with SIGINT (it prints its summary).
//
//   --entries N   tree size to reach (default 1,000,000); 1.2 N bodies are generated
//   --env K=V     extra environment of the server (repeatable), e.g. MALLOC_ARENA_MAX=2
//   --seed DIR    copy DIR (a data directory kept by --keep) and continue from its size:
//                 a cheaper way to compare settings at ~1M entries than a full fill
//   --keep DIR    keep the data directory there afterwards
//   --sample S    RSS sampling period in seconds (default 5)
//   --every N     one row of the size-vs-RSS table printed at the end per N entries (default 100,000)
//   --concurrency C  wrk connections (default 128)
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from './start-stack.mjs';
import { hashedrekordMaker, WRITE_PATHS } from './bodies.mjs';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (!isMainThread) {
  // Body generator: writes workerData.n bodies to workerData.file.
  const { n, file, pub, priv, api } = workerData;
  const out = createWriteStream(file);
  const make = hashedrekordMaker(api, createPrivateKey({ key: priv, format: 'pem' }), createPublicKey({ key: pub, format: 'pem' }));
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += make() + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise((r) => out.on('finish', r));
  parentPort.postMessage('done');
  process.exit(0);
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HERE = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    env: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    keep: { type: 'string' },
    bodies: { type: 'string' },
    sample: { type: 'string', default: '5' },
    'reads-secs': { type: 'string', default: '10' },
    api: { type: 'string', default: 'v1' },
    every: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '128' },
  },
});
const target = Number(opt.entries);
const api = opt.api;
if (!(api in WRITE_PATHS)) throw new Error(`--api v1|v2, got ${api}`);
const serverEnv = Object.fromEntries(opt.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(0).padStart(4);

async function makeBodies(count) {
  const file = opt.bodies ?? join(os.tmpdir(), `sigstack-fill-bodies-${api === 'v1' ? '' : `${api}-`}${count}.txt`);
  if (existsSync(file)) return file;
  console.log(`generating ${count} bodies into ${file} …`);
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = k.publicKey.export({ type: 'spki', format: 'pem' });
  const priv = k.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const parts = os.availableParallelism();
  const files = Array.from({ length: parts }, (_, i) => `${file}.part${i}`);
  await Promise.all(
    files.map((f, i) => {
      const n = Math.floor(count / parts) + (i < count % parts ? 1 : 0);
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { n, file: f, pub, priv, api } });
      return new Promise((res, rej) => { w.on('message', res); w.on('error', rej); });
    }),
  );
  const cat = spawnSync('sh', ['-c', `cat ${files.map((f) => `'${f}'`).join(' ')} > '${file}.tmp' && rm -f ${files.map((f) => `'${f}'`).join(' ')}`]);
  if (cat.status !== 0) throw new Error(`cannot assemble ${file}: ${cat.stderr}`);
  renameSync(`${file}.tmp`, file);
  console.log(`bodies ready after ${secs()} s`);
  return file;
}

/** The pid that serves (the launcher itself, or its sigstack.js child if the launcher is a wrapper). */
function serverPid(pid) {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const k of kids) if (readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('sigstack.js')) return Number(k);
  } catch {}
  return pid;
}

function mem(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (f) => Number(new RegExp(`${f}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile'), threads: Number(/Threads:\s+(\d+)/.exec(s)?.[1]) };
}
/** Resident anonymous memory by kind of mapping (from /proc/<pid>/smaps): where the RSS is. */
function breakdown(pid) {
  const lines = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  const kinds = {};
  let kind = 'other';
  for (const l of lines) {
    const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(l);
    if (h) {
      const size = (parseInt(h[2], 16) - parseInt(h[1], 16)) / 2 ** 20;
      const name = h[4];
      kind = name === '[heap]' ? 'brk heap (glibc main arena)' : name === '' ? (size >= 1 && size <= 64 && h[3] === 'rw-p' ? 'anon rw ≤64 MiB (thread arenas, V8 pages, big mallocs)' : 'anon other') : name.startsWith('/') ? 'file' : name;
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(l);
    if (r) kinds[kind] = (kinds[kind] ?? 0) + Number(r[1]) / 1024;
  }
  return Object.entries(kinds).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('; ');
}
const fmt = (m) => `RSS ${m.rss.toFixed(0)} MiB (${(m.rss * 1.048576).toFixed(0)} MB; anon ${m.anon.toFixed(0)}, file ${m.file.toFixed(0)}; peak ${m.hwm.toFixed(0)} MiB; ${m.threads} threads)`;

/** The log's tree size: Rekor v1's log info, or the second line of Rekor v2's checkpoint. */
function treeSize(url) {
  return new Promise((res) => {
    http.get(new URL(api === 'v1' ? '/api/v1/log' : '/api/v2/checkpoint', url), (r) => {
      let b = '';
      r.on('data', (c) => (b += c));
      r.on('end', () => {
        try {
          res(api === 'v1' ? JSON.parse(b).treeSize : Number(b.split('\n')[1]));
        } catch {
          res(NaN);
        }
      });
    }).on('error', () => res(NaN));
  });
}

function wrk(url, script, c, duration, env) {
  const p = spawn('wrk', ['-t', '2', '-c', String(c), '-d', `${duration}s`, '--latency', '-s', join(HERE, script), url], {
    env: { ...process.env, ...env, THREADS: '2' },
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const done = new Promise((r) => p.on('exit', () => r(summary(out))));
  return { p, done };
}

function summary(out) {
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
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
    statuses: /^status(.*)$/m.exec(out)?.[1].trim() ?? '',
    raw: out,
  };
}

const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-fill-'));
if (opt.seed) {
  const cp = spawnSync('cp', ['-a', `${opt.seed}/.`, dataDir]);
  if (cp.status !== 0) throw new Error(`cannot copy ${opt.seed}: ${cp.stderr}`);
}
const bodies = await makeBodies(Math.ceil(target * 1.2));
console.log(`sigstack fill — ${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}; server env ${JSON.stringify(serverEnv)}`);
const { child, url } = await startStack(dataDir, { env: serverEnv });
await new Promise((r) => setTimeout(r, 2000));
const pid = serverPid(child.pid);
const start = await treeSize(url);
console.log(`${secs()} s  up (pid ${pid}), tree size ${start}, ${fmt(mem(pid))}`);

let peakRss = 0;
let last = { size: start, t: performance.now() };
const conc = Number(opt.concurrency);
const every = Number(opt.every);
const table = [];
let nextRow = Math.ceil((start + 1) / every) * every;
const w = wrk(url, 'writes.lua', conc, Math.ceil(((target - start) / 500) + 60), { BODIES: bodies, START: String(start), WRITE_PATH: WRITE_PATHS[api] });
await new Promise((res) => {
  const tick = async () => {
    const size = await treeSize(url);
    const m = mem(pid);
    peakRss = Math.max(peakRss, m.rss);
    const now = performance.now();
    const rate = ((size - last.size) * 1000) / (now - last.t);
    last = { size, t: now };
    console.log(`${secs()} s  ${String(size).padStart(8)} entries  ${rate.toFixed(0).padStart(5)}/s  ${fmt(m)}`);
    // One row per --every entries: the first sample at or past each multiple.
    if (size >= nextRow) {
      table.push({ size, m, rate, load: os.loadavg()[0] });
      while (nextRow <= size) nextRow += every;
    }
    if (size >= target || w.p.exitCode !== null) return res();
    setTimeout(tick, Number(opt.sample) * 1000);
  };
  setTimeout(tick, Number(opt.sample) * 1000);
});
w.p.kill('SIGINT');
const ws = await w.done;
const size = await treeSize(url);
console.log(`appends (wrk c=${conc}): ${ws.rate.toFixed(0)}/s, p50 ${ws.p50.toFixed(1)} ms, p99 ${ws.p99.toFixed(1)} ms, non-2xx ${ws.non2xx} (${ws.statuses}); tree size ${size}`);
await new Promise((r) => setTimeout(r, 5000));
console.log(`after appends, 5 s idle: ${fmt(mem(pid))}`);
console.log(`| entries (first sample past each ${every}) | server RSS MiB | anon MiB | peak MiB | appends/s over the last ${opt.sample} s | load (1 min) |\n|---|---|---|---|---|---|`);
for (const row of table)
  console.log(`| ${row.size} | ${row.m.rss.toFixed(0)} | ${row.m.anon.toFixed(0)} | ${row.m.hwm.toFixed(0)} | ${row.rate.toFixed(0)} | ${row.load.toFixed(2)} |`);
for (const c of [16, 64]) {
  // Rekor v1: inclusion proofs by index; Rekor v2 has no read API but its tiles: random full tiles.
  const r = await (api === 'v1'
    ? wrk(url, 'reads.lua', c, Number(opt['reads-secs']), { SIZE: String(size) })
    : wrk(url, 'tiles.lua', c, Number(opt['reads-secs']), { PREFIX: '/api/v2', FULL: String(Math.floor(size / 256)), MODE: 'tiles' })
  ).done;
  console.log(`reads c=${c}: ${r.rate.toFixed(0)}/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, non-2xx ${r.non2xx}; ${fmt(mem(pid))}`);
}
const m = mem(pid);
console.log(`resident MiB by mapping: ${breakdown(pid)}`);
console.log(`RESULT api=${api} entries=${size} rss_mib=${m.rss.toFixed(0)} rss_mb=${(m.rss * 1.048576).toFixed(0)} peak_fill_mib=${peakRss.toFixed(0)} hwm_mib=${m.hwm.toFixed(0)} appends=${ws.rate.toFixed(0)}/s env=${JSON.stringify(serverEnv)}`);

child.kill('SIGTERM');
const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
console.log(`stack exited ${code}`);
if (opt.keep) {
  rmSync(opt.keep, { recursive: true, force: true });
  const mv = spawnSync('mv', [dataDir, opt.keep]);
  if (mv.status !== 0) throw new Error(`cannot keep data in ${opt.keep}`);
  console.log(`data kept in ${opt.keep}`);
} else rmSync(dataDir, { recursive: true, force: true });
