#!/usr/bin/env node
// Overload: many connections at once against a live stack (issue 10, load shedding).
// Not a test by itself: it prints one JSON object; test/load-shedding.test.ts and
// `node scripts/bench/run.mjs --only overload` read it.
//
//   node scripts/bench/overload.mjs --url http://127.0.0.1:3000 [--connections 512]
//        [--seconds 6] [--write-share 0.75] [--bodies 20000] [--ignore-retry-after]
//
// Each connection is a closed loop (send, wait for the answer, send again), as the
// clients that overloaded the server in the issue were: writes are fresh
// hashedrekord entries (real P-256 signatures, made before the clock starts), reads
// GET an entry by a random known index. Every connection first sends one GET
// /healthz, so that opening 512 sockets (and the listen backlog) is not measured.
// A 503 is "shed"; everything else the server answered is "accepted" (201, 200,
// 409 ...), with its latency measured from send to the last byte. A connection that
// is refused waits the Retry-After it was given before its next request, as
// sigstore-go, cosign and sigstore-js do (go-retryablehttp, make-fetch-happen);
// --ignore-retry-after sends again at once, as a hostile client would.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '512' },
    seconds: { type: 'string', default: '6' },
    'write-share': { type: 'string', default: '0.75' },
    bodies: { type: 'string', default: '20000' },
    'timeout-ms': { type: 'string', default: '20000' },
    'ignore-retry-after': { type: 'boolean', default: false },
  },
});
if (!opt.url) throw new Error('--url is required');
const base = new URL(opt.url);
const connections = Number(opt.connections);
const seconds = Number(opt.seconds);
const writeShare = Number(opt['write-share']);
const timeoutMs = Number(opt['timeout-ms']);

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pubPemB64 = Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' })).toString('base64');
const bodies = Array.from({ length: Number(opt.bodies) }, () => {
  const artifact = randomBytes(32);
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
      signature: { content: sign('sha256', artifact, key.privateKey).toString('base64'), publicKey: { content: pubPemB64 } },
    },
  });
});

const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });

function request(method, path, body) {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method,
        timeout: timeoutMs,
        headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - start, retryAfter: res.headers['retry-after'] }));
        res.on('error', () => resolve({ status: 'error', ms: performance.now() - start }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: e.message === 'timeout' ? 'timeout' : 'error', ms: performance.now() - start }));
    if (body) req.write(body);
    req.end();
  });
}

function quantile(sorted, q) {
  return sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
}

function summary(ms, elapsedS) {
  const s = Float64Array.from(ms).sort();
  return { count: s.length, perSecond: Math.round(s.length / elapsedS), p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: quantile(s, 1) };
}

// Warm-up: one GET /healthz per connection opens every socket before the clock starts.
await Promise.all(Array.from({ length: connections }, () => request('GET', '/healthz')));

const byStatus = {};
const accepted = { write: [], read: [] };
const shed = { write: [], read: [] };
let shedWithoutRetryAfter = 0;
let nextBody = 0;
let knownSize = 0;
const t0 = performance.now();
const deadline = t0 + seconds * 1000;

async function connection(i) {
  // A fixed share of the connections write, the others read (as separate clients would).
  const writes = i < Math.round(connections * writeShare);
  while (performance.now() < deadline) {
    const cls = writes ? 'write' : 'read';
    const r = writes
      ? await request('POST', '/api/v1/log/entries', bodies[nextBody++ % bodies.length])
      : await request('GET', knownSize > 0 ? `/api/v1/log/entries?logIndex=${Math.floor(Math.random() * knownSize)}` : '/api/v1/log');
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.status === 503) {
      shed[cls].push(r.ms);
      if (!/^\d+$/.test(r.retryAfter ?? '')) shedWithoutRetryAfter++;
      else if (!opt['ignore-retry-after']) await new Promise((z) => setTimeout(z, Math.min(Number(r.retryAfter) * 1000, Math.max(0, deadline - performance.now()))));
    } else if (typeof r.status === 'number') {
      accepted[cls].push(r.ms);
      if (writes && r.status === 201) knownSize++;
    }
  }
}
await Promise.all(Array.from({ length: connections }, (_, i) => connection(i)));
const elapsedS = (performance.now() - t0) / 1000;
agent.destroy();

process.stdout.write(
  JSON.stringify({
    connections,
    honoursRetryAfter: !opt['ignore-retry-after'],
    seconds: Math.round(elapsedS * 10) / 10,
    writeConnections: Math.round(connections * writeShare),
    byStatus,
    accepted: { write: summary(accepted.write, elapsedS), read: summary(accepted.read, elapsedS), all: summary([...accepted.write, ...accepted.read], elapsedS) },
    shed: { write: summary(shed.write, elapsedS), read: summary(shed.read, elapsedS), withoutRetryAfter: shedWithoutRetryAfter },
  }) + '\n',
);
