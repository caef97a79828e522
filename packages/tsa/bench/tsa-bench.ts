// Timestamps per second over HTTP, at concurrency 1 and 32.
//
//   node --import tsx packages/tsa/bench/tsa-bench.ts [--seconds 5] [--key p256|p384] [--json] [--sync]
//
// The server (the tsa plugin on a bare fastify, development chain, P-256 by
// default) runs in a child process; this process is the load generator: one
// keep-alive connection per concurrent client, raw HTTP/1.1 over node:net so the
// client costs as little CPU as possible on a small machine. Requests look like
// cosign 2.5's (SHA-256 imprint, nonce, certReq) — or sigstore-js's JSON with --json.
// Every response is checked for status 200 and the reply media type; a sample is
// decoded and verified.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createEphemeralSigner, systemClock } from '@sigstack/core';
import { issueDevChain, TimestampAuthority, tsaRoutes } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    key: { type: 'string', default: 'p256' },
    json: { type: 'boolean', default: false },
    sync: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1,32' },
  },
});

async function serve(): Promise<void> {
  const alg = args.key === 'p384' ? 'ecdsa-p384-sha384' : 'ecdsa-p256-sha256';
  const root = createEphemeralSigner();
  const leaf = createEphemeralSigner(alg);
  // --sync: a Signer without the async path, to compare signing on the main thread
  // (signSync) with signing on libuv's thread pool (sign).
  const signer = args.sync ? Object.assign(Object.create(leaf), { sign: async (d: Uint8Array) => leaf.signSync(d) }) : leaf;
  const chain = await issueDevChain(root, leaf, systemClock.now());
  const tsa = new TimestampAuthority({ signer, chain, clock: systemClock });
  const app = Fastify({ logger: false });
  await app.register(tsaRoutes, { tsa });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(JSON.stringify({ address, chain: chain.map((c) => c.toString('base64')) }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void app.close().then(() => process.exit(0)));
}

interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
}

/** One keep-alive HTTP/1.1 connection, one request in flight. */
class Connection {
  #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #waiting?: (r: Reply) => void;

  constructor(host: string, port: number) {
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
      this.#drain();
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => this.#socket.once('connect', resolve).once('error', reject));
  }

  request(head: Buffer, body: Buffer): Promise<Reply> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#socket.write(Buffer.concat([head, body]));
    });
  }

  #drain(): void {
    const end = this.#buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.#buf.subarray(0, end).toString('latin1');
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buf.length < end + 4 + len) return;
    const reply: Reply = {
      status: Number(head.slice(9, 12)),
      contentType: /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '',
      body: this.#buf.subarray(end + 4, end + 4 + len),
    };
    this.#buf = this.#buf.subarray(end + 4 + len);
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.(reply);
  }

  close(): void {
    this.#socket.destroy();
  }
}

function requestBody(): Buffer {
  const digest = createHash('sha256').update(randomBytes(32)).digest();
  if (args.json) return Buffer.from(JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256' }));
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1', algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest }),
    }),
    nonce: new asn1js.Integer({ valueHex: Buffer.concat([Buffer.from([0x01]), randomBytes(19)]) }),
    certReq: true,
  });
  return Buffer.from(req.toSchema().toBER(false));
}

async function load(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...(process.env.TSA_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TSA_BENCH_PROF}`] : []), '--import', 'tsx', self, '--serve', '--key', args.key!, ...(args.sync ? ['--sync'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
  const { address, chain } = JSON.parse(first) as { address: string; chain: string[] };
  const url = new URL(address);
  const leaf = new X509Certificate(Buffer.from(chain[0]!, 'base64'));
  const contentType = args.json ? 'application/json' : 'application/timestamp-query';
  const bodies = Array.from({ length: 4096 }, requestBody);
  const heads = bodies.map((b) =>
    Buffer.from(`POST /api/v1/timestamp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${contentType}\r\nContent-Length: ${b.length}\r\n\r\n`),
  );
  const seconds = Number(args.seconds);

  console.log(`tsa-bench: key ${args.key}, ${args.json ? 'JSON' : 'DER'} requests, signing ${args.sync ? 'signSync (main thread)' : 'sign (thread pool)'}, ${seconds} s per run, node ${process.version}`);
  for (const concurrency of args.concurrency!.split(',').map(Number)) {
    await run(concurrency, 1); // warm-up
    const r = await run(concurrency, seconds);
    const lat = r.latencies.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
    console.log(
      `  concurrency ${String(concurrency).padStart(2)}: ${Math.round(r.count / r.elapsed).toLocaleString('en')} timestamps/s  (${r.count} in ${r.elapsed.toFixed(1)} s; latency ms p50 ${q(0.5)} p99 ${q(0.99)})`,
    );
  }
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));

  async function run(concurrency: number, secs: number) {
    const conns = Array.from({ length: concurrency }, () => new Connection(url.hostname, Number(url.port)));
    await Promise.all(conns.map((c) => c.ready()));
    const latencies: number[] = [];
    let count = 0;
    let sampled = 0;
    const start = performance.now();
    const deadline = start + secs * 1000;
    await Promise.all(
      conns.map(async (c, ci) => {
        let i = ci;
        while (performance.now() < deadline) {
          const k = i++ % bodies.length;
          const t0 = performance.now();
          const reply = await c.request(heads[k]!, bodies[k]!);
          latencies.push(performance.now() - t0);
          if (reply.status !== 200 || reply.contentType !== 'application/timestamp-reply')
            throw new Error(`unexpected reply ${reply.status} ${reply.contentType}: ${reply.body.toString().slice(0, 200)}`);
          if (count++ % 997 === 0) {
            check(reply.body, leaf);
            sampled++;
          }
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    for (const c of conns) c.close();
    return { count, elapsed, latencies, sampled };
  }
}

/** Decodes a reply and verifies its signature with the leaf key. */
function check(der: Buffer, leaf: X509Certificate): void {
  const resp = pkijs.TimeStampResp.fromBER(der);
  if (resp.status.status !== 0 || !resp.timeStampToken) throw new Error('not granted');
  const sd = new pkijs.SignedData({ schema: resp.timeStampToken.content });
  const si = sd.signerInfos[0]!;
  const attrs = Buffer.from(si.signedAttrs!.encodedValue);
  attrs[0] = 0x31;
  const hash = si.digestAlgorithm.algorithmId === '2.16.840.1.101.3.4.2.2' ? 'sha384' : 'sha256';
  if (!verify(hash, attrs, leaf.publicKey, Buffer.from(si.signature.valueBlock.valueHexView))) throw new Error('signature does not verify');
}

if (args.serve) await serve();
else await load();
