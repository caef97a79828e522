import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bundleToJSON, type Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError, type ClientErrorCode } from '../../errors.js';
import type { ArtifactInput, VerifierOptions } from '../bundle-verifier.js';
import type { WireChunk, WireDone, WireItem, WireResult, WorkerInit } from './batch-protocol.js';

/** One bundle of a batch: its JSON (text or object) or a parsed Bundle, and the artifact. */
export interface BatchItem {
  bundle: string | object | Bundle;
  artifact: ArtifactInput;
}

/** The verdict on one bundle of a batch, in the order of the items. */
export type BatchResult =
  | {
      ok: true;
      /** True when the bundle's shape sent it to sigstore-js (see FastBundleVerifier.supports). */
      fallback: boolean;
      identity?: { subjectAlternativeName?: string; issuer?: string };
      timestamps: Date[];
      payloadType?: string;
    }
  | { ok: false; error: ClientError };

export interface BatchOptions {
  /** Worker threads; the machine's available parallelism by default. */
  threads?: number;
  /** Items per message to a worker (amortizes the message cost); DEFAULT_CHUNK_SIZE by default. */
  chunkSize?: number;
}

/** Items sent to a worker at a time: large enough that posting costs little, small enough to balance. */
export const DEFAULT_CHUNK_SIZE = 32;

/**
 * A pool of verification workers for one trust root and policy: each worker builds
 * its verifier once, and batches are spread over them chunk by chunk (a worker gets
 * the next chunk when it answers, so uneven bundles balance). `now` is not sent to
 * workers: they use the system clock.
 */
export class VerifierPool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly waiting = new Map<number, { resolve: (r: WireResult[]) => void; n: number }>();
  private readonly queue: WireChunk[] = [];
  private nextId = 0;
  private failed: Error | undefined;

  constructor(opts: VerifierOptions, pool: BatchOptions = {}) {
    const threads = Math.max(1, pool.threads ?? availableParallelism());
    this.chunkSize = Math.max(1, pool.chunkSize ?? DEFAULT_CHUNK_SIZE);
    if (!opts.key && !opts.identity) throw new ClientError('USAGE', 'verification needs a key (--key) or an identity (--certificate-identity and --certificate-oidc-issuer)');
    const init: WorkerInit = {
      trustedRoot: TrustedRoot.toJSON(opts.trustedRoot),
      ...(opts.key ? { keySpki: opts.key.export({ type: 'spki', format: 'der' }) } : {}),
      ...(opts.identity ? { identity: opts.identity } : {}),
    };
    // Run from TypeScript sources (tests under tsx), the worker is the .ts file and needs tsx too.
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './batch-worker.ts' : './batch-worker.js', import.meta.url);
    this.workers = Array.from({ length: threads }, () => {
      const w = fromSource ? new Worker(sourceBootstrap(url), { eval: true, workerData: init }) : new Worker(url, { workerData: init });
      w.on('message', (m: WireDone) => this.done(w, m));
      w.on('error', (e) => this.fail(e));
      w.unref();
      return w;
    });
    this.idle = [...this.workers];
  }

  private readonly chunkSize: number;

  /** Verifies `items` on the workers; results in the items' order (a failure is a result, never a throw). */
  async verify(items: readonly BatchItem[]): Promise<BatchResult[]> {
    if (this.failed) throw new ClientError('VERIFY_SIGNATURE', `verification workers failed: ${this.failed.message}`, { cause: this.failed });
    const wire: WireItem[] = items.map((it) => ({ bundle: isParsedBundle(it.bundle) ? (bundleToJSON(it.bundle) as object) : it.bundle, artifact: it.artifact }));
    const pending: Promise<WireResult[]>[] = [];
    for (let i = 0; i < wire.length; i += this.chunkSize) {
      const chunk: WireChunk = { id: this.nextId++, items: wire.slice(i, i + this.chunkSize) };
      pending.push(new Promise((resolve) => this.waiting.set(chunk.id, { resolve, n: chunk.items.length })));
      this.queue.push(chunk);
    }
    this.pump();
    const out = (await Promise.all(pending)).flat();
    return out.map(toResult);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      // A busy worker keeps the process alive; an idle pool does not.
      const w = this.idle.pop()!;
      w.ref();
      w.postMessage(this.queue.shift()!);
    }
  }

  private done(w: Worker, m: WireDone): void {
    this.waiting.get(m.id)?.resolve(m.results);
    this.waiting.delete(m.id);
    w.unref();
    this.idle.push(w);
    this.pump();
  }

  private fail(e: Error): void {
    this.failed = e;
    const results = (n: number): WireResult[] => Array.from({ length: n }, () => ({ ok: false, code: 'INTERNAL', message: `verification worker failed: ${e.message}` }));
    this.queue.splice(0);
    for (const [id, w] of this.waiting) {
      w.resolve(results(w.n));
      this.waiting.delete(id);
    }
  }
}

/** Verifies a batch of bundles on worker threads (a pool made for this batch, then closed). */
export async function verifyBundles(items: readonly BatchItem[], opts: VerifierOptions, pool: BatchOptions = {}): Promise<BatchResult[]> {
  const p = new VerifierPool(opts, { ...pool, threads: Math.min(pool.threads ?? availableParallelism(), Math.max(1, Math.ceil(items.length / (pool.chunkSize ?? DEFAULT_CHUNK_SIZE)))) });
  try {
    return await p.verify(items);
  } finally {
    await p.close();
  }
}

/** Node 20 workers do not take --import loaders: the worker registers tsx itself, then loads the .ts module. */
function sourceBootstrap(url: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
}

function isParsedBundle(b: BatchItem['bundle']): b is Bundle {
  return typeof b === 'object' && b !== null && 'verificationMaterial' in b && typeof (b as Bundle).verificationMaterial?.content === 'object' && '$case' in ((b as Bundle).verificationMaterial.content as object);
}

function toResult(r: WireResult): BatchResult {
  if (!r.ok) return { ok: false, error: new ClientError(r.code === 'INTERNAL' ? 'VERIFY_SIGNATURE' : (r.code as ClientErrorCode), r.message) };
  const out: BatchResult = { ok: true, fallback: r.fallback, timestamps: r.timestamps.map((t) => new Date(t)) };
  if (r.identity) out.identity = r.identity;
  if (r.payloadType !== undefined) out.payloadType = r.payloadType;
  return out;
}
