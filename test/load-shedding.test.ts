// Load shedding at 512 connections on loopback (issue 10). A real `sigstack up`, and
// scripts/bench/overload.mjs in its own process: 512 closed-loop connections (3/4
// writing fresh hashedrekord entries, 1/4 reading entries by index) for a few
// seconds. Asserted: the server refused part of the load with 503 and a Retry-After
// on every refusal, nothing failed otherwise (no 5xx but 503, no socket error or
// time-out), and once the load stops it answers normally again by itself. The
// latency of the accepted requests (p50/p99/max) is measured and reported, not
// asserted (the machine is shared; BENCHMARKS.md has the figures).
//
// The bounds are tighter than the defaults (100 ms of queue age instead of 500) so
// that shedding happens on a fast machine as on a slow one.
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { hashedrekordEntry, newSigningKey } from './lib/hashedrekord-entry.js';
import { reapOnExit } from './lib/reap-on-exit.js';

t.setTimeout(180_000);

const OVERLOAD = resolve(import.meta.dirname, '..', 'scripts', 'bench', 'overload.mjs');
const CONNECTIONS = 512;
const SECONDS = 5;

const dir = tempDir(t, 'sigstack-shed-');
const configFile = join(dir, 'sigstack.yaml');
writeFileSync(configFile, 'shedding:\n  maxEventLoopDelayMs: 250\n  writes:\n    maxQueueAgeMs: 100\n  reads:\n    maxQueueAgeMs: 100\n');
const stack = await startTestStack(t, { args: ['--config', configFile] });

interface Summary {
  count: number;
  perSecond: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}
interface OverloadReport {
  connections: number;
  seconds: number;
  byStatus: Record<string, number>;
  accepted: { write: Summary; read: Summary; all: Summary };
  shed: { write: Summary; read: Summary; withoutRetryAfter: number };
}

function runOverload(url: string): Promise<OverloadReport> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [OVERLOAD, '--url', url, '--connections', String(CONNECTIONS), '--seconds', String(SECONDS), '--bodies', '15000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    reapOnExit(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(out) as OverloadReport) : rej(new Error(`overload exited ${code}: ${err}`))));
  });
}

async function metric(name: RegExp): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (name.test(line)) sum += Number(line.split(' ').pop());
  return sum;
}

t.test(`c=${CONNECTIONS}: refused with 503 + Retry-After, nothing else fails, recovers by itself`, async (t) => {
  const report = await runOverload(stack.url);
  const line = `c=${CONNECTIONS} ${report.seconds}s: statuses ${JSON.stringify(report.byStatus)}; accepted writes ${report.accepted.write.perSecond}/s p50 ${report.accepted.write.p50} ms p99 ${report.accepted.write.p99} ms; accepted reads ${report.accepted.read.perSecond}/s p50 ${report.accepted.read.p50} ms p99 ${report.accepted.read.p99} ms; all accepted p99 ${report.accepted.all.p99} ms (max ${report.accepted.all.max}); shed ${report.shed.write.count} writes, ${report.shed.read.count} reads, p99 ${report.shed.write.p99 ?? report.shed.read.p99} ms`;
  t.comment(line);
  writeFileSync(join(dir, 'overload.json'), JSON.stringify(report, null, 2));

  const shed = report.byStatus['503'] ?? 0;
  t.ok(shed > 0, `the server shed part of the load (${shed} × 503)`);
  t.equal(report.shed.withoutRetryAfter, 0, 'every 503 carries Retry-After');
  t.ok(report.accepted.write.count > 0 && report.accepted.read.count > 0, 'writes and reads were accepted too');
  const unexpected = Object.keys(report.byStatus).filter((s) => !['200', '201', '503'].includes(s));
  t.same(unexpected, [], 'no other status, socket error or time-out');
  t.equal(await metric(/^sigstack_shed_requests_total\{/), shed, 'the shed counter agrees with the clients');
  t.comment(`accepted p99 ${report.accepted.all.p99} ms (${report.accepted.all.p99 !== null && report.accepted.all.p99 < 1000 ? 'under' : 'NOT under'} 1 s)`);

  // Recovery: nothing to do but wait for the queues to drain.
  await sleep(1500);
  const key = newSigningKey();
  const post = await fetch(`${stack.url}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(hashedrekordEntry(key).entry),
  });
  t.equal(post.status, 201, 'a write after the load is accepted');
  const get = await fetch(`${stack.url}/api/v1/log`);
  t.equal(get.status, 200, 'a read after the load is answered');
  const info = (await get.json()) as { treeSize: number };
  t.ok(info.treeSize >= report.byStatus['201']! + 1, `every acknowledged entry is in the log (tree size ${info.treeSize})`);
  t.equal(await metric(/^sigstack_queue_age_seconds\{/), 0, 'nothing left in progress');
});
