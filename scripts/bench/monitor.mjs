#!/usr/bin/env node
// Monitor throughput (issue 14): a log filled to N entries (fill.mjs), followed from
// scratch by the monitor (@sigstack/monitor, the engine of `sigstack monitor` and of the
// stack's `monitor` section): entries verified per second and the monitor's RSS through
// the run. Not a test: it prints figures for BENCHMARKS.md.
//
//   node scripts/bench/monitor.mjs --data DIR [--api v1|v2] [--sample S] [--every N]
//   node scripts/bench/monitor.mjs --entries N [--api v1|v2]      fills a log first (fill.mjs --keep)
//
//   --data DIR   a data directory kept by `fill.mjs --keep DIR` (not modified: copied first)
//   --api        which log to follow: v2 (Rekor v2 tiles, /api/v2; default) or v1 (Rekor v1's tiles)
//   --sample S   RSS sampling period in seconds (default 5)
//   --every N    one row of the entries-vs-RSS table per N entries (default 100,000)
//
// The monitor runs in a process of its own (so its RSS is its own, not the stack's): one
// poll from index 0 (startIndex 0, no state), which verifies the signed checkpoint, reads
// every entry bundle, checks each leaf against a watch list, appends its hash to the
// verified edge and requires the result to be the signed root (what every poll does to
// new entries). The stack serves its tiles meanwhile, on the same machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStack } from './start-stack.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HERE = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    data: { type: 'string' },
    entries: { type: 'string' },
    api: { type: 'string', default: 'v2' },
    sample: { type: 'string', default: '5' },
    every: { type: 'string', default: '100000' },
    // Internal: the follower process.
    follow: { type: 'string' },
    'trusted-root': { type: 'string' },
  },
});

if (opt.follow) await follower(opt.follow, opt['trusted-root'], Number(opt.sample));
else await main();

/** The child: one poll of the log from index 0, reporting entries and RSS as JSON lines. */
async function follower(url, trustedRoot, sampleS) {
  const m = await import(join(ROOT, 'packages/monitor/dist/index.js'));
  const source = m.createLogSource('tiles', url, m.loadTrustedKeys({ trustedRoot }));
  let n = 0;
  const entries = source.entries.bind(source);
  source.entries = async function* (start, end, head) {
    for await (const e of entries(start, end, head)) {
      n++;
      yield e;
    }
  };
  const config = m.parseMonitorConfig(
    JSON.stringify({
      monitoredValues: {
        certIdentities: [{ certSubject: '^alice@example\\.com$', issuers: ['^https://accounts\\.example\\.com$'] }],
        subjects: ['^bob@example\\.com$'],
        fingerprints: ['3f1c'.padEnd(64, '0')],
      },
    }),
  );
  const alerts = [];
  const monitor = new m.LogMonitor({ source, monitoredValues: config.monitoredValues, startIndex: 0, alerts: { emit: async (a) => alerts.push(a) } });
  const t0 = performance.now();
  const report = (extra = {}) => {
    const u = process.memoryUsage();
    const mib = (x) => x / 2 ** 20;
    process.stdout.write(JSON.stringify({ t: (performance.now() - t0) / 1000, n, rss: mib(u.rss), heap: mib(u.heapUsed), heapTotal: mib(u.heapTotal), external: mib(u.external), ...extra }) + '\n');
  };
  const timer = setInterval(report, sampleS * 1000);
  report();
  const r = await monitor.poll();
  clearInterval(timer);
  report({ done: true, verified: r.verified?.size ?? null, checked: r.entries, alerts: alerts.length, firstAlert: alerts[0] ?? null });
}

async function main() {
  const api = opt.api;
  if (api !== 'v1' && api !== 'v2') throw new Error(`--api v1|v2, got ${api}`);
  let source = opt.data;
  if (!source) {
    if (!opt.entries) throw new Error('give --data DIR (kept by fill.mjs --keep) or --entries N');
    source = mkdtempSync(join(os.tmpdir(), 'sigstack-monitor-fill-'));
    rmSync(source, { recursive: true });
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(HERE, 'fill.mjs'), '--api', api, '--entries', opt.entries, '--keep', source, '--reads-secs', '1'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('fill failed');
    console.log(`fill: ${opt.entries} entries in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  // A copy: the stack republishes its trust material on start.
  const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-monitor-bench-'));
  if (spawnSync('cp', ['-a', `${source}/.`, dataDir]).status !== 0) throw new Error(`cannot copy ${source}`);
  const cpu = os.cpus();
  console.log(`sigstack monitor bench — ${cpu.length} × ${cpu[0]?.model.split(' ').slice(0, 2).join(' ')}, node ${process.version}, ${new Date().toISOString()}`);
  const { child: stack, url } = await startStack(dataDir);
  const prefix = api === 'v2' ? '/api/v2' : '/api/v1/log/tiles';
  const size = Number(/\n(\d+)\n/.exec(await (await fetch(`${url}${prefix}/checkpoint`)).text())?.[1]);
  console.log(`stack up at ${url} (pid ${stack.pid}); following ${prefix}, tree size ${size}`);
  try {
    const kid = spawn(process.execPath, [fileURLToPath(import.meta.url), '--follow', `${url}${prefix}`, '--trusted-root', join(dataDir, 'trust', 'trusted_root.json'), '--sample', opt.sample], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const every = Number(opt.every);
    const rows = [];
    let nextRow = 0;
    let buf = '';
    let last;
    const stackRss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${stack.pid}/status`, 'utf8'))?.[1]) / 1024;
    kid.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const s = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        last = s;
        const rate = s.t > 0 ? s.n / s.t : 0;
        console.log(`${s.t.toFixed(0).padStart(5)} s ${String(s.n).padStart(9)} entries ${rate.toFixed(0).padStart(6)}/s  monitor RSS ${s.rss.toFixed(0)} MiB (heap used ${s.heap.toFixed(0)} of ${s.heapTotal.toFixed(0)}, external ${s.external.toFixed(0)})  stack RSS ${stackRss().toFixed(0)} MiB`);
        if (s.n >= nextRow || s.done) {
          rows.push(s);
          while (nextRow <= s.n) nextRow += every;
        }
      }
    });
    const code = await new Promise((r) => kid.on('exit', r));
    if (code !== 0 || !last?.done) throw new Error(`follower exited ${code}`);
    console.log(`\nverified tree ${last.verified}, ${last.checked} entries checked in ${last.t.toFixed(1)} s: ${(last.checked / last.t).toFixed(0)} entries/s; alerts ${last.alerts}`);
    console.log('\n| entries verified | elapsed | monitor RSS | V8 heap used / total | external |\n|---:|---:|---:|---:|---:|');
    for (const s of rows) console.log(`| ${s.n.toLocaleString('en')} | ${s.t.toFixed(0)} s | ${s.rss.toFixed(0)} MiB | ${s.heap.toFixed(0)} / ${s.heapTotal.toFixed(0)} MiB | ${s.external.toFixed(0)} MiB |`);
    writeFileSync(join(os.tmpdir(), 'sigstack-monitor-bench.json'), JSON.stringify({ rows, last }, null, 1));
  } finally {
    stack.kill('SIGTERM');
    await new Promise((r) => stack.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
