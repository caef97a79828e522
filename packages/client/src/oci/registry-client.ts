import { createHash } from 'node:crypto';
import { ClientError } from '../errors.js';
import { digestTag, registryScheme } from './image-reference.js';
import { MANIFEST_TYPES, OCI_INDEX } from './media-types.js';
import { credentialsFor, defaultDockerConfigPath, parseAuthChallenge, readDockerConfig, type RegistryCredentials } from './registry-auth.js';

/** A repository on a registry: where manifests, blobs and tags live. */
export interface Repository {
  registry: string;
  repository: string;
}

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string; 'os.version'?: string };
}

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  /** sha256 of the bytes as received (checked against the requested digest). */
  digest: string;
}

/** Largest manifest we read (distribution's own limit is 4 MiB). */
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest blob read into memory (signature payloads, bundles, configs); layers are streamed instead. */
export const DEFAULT_MAX_BLOB_BYTES = 16 * 1024 * 1024;
/** Per request. */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 60_000;
/** Largest error or token answer we read. */
const MAX_SMALL_BODY = 64 * 1024;
const MAX_REDIRECTS = 5;

export interface RegistryClientOptions {
  /** docker config.json with `auths` (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json). */
  dockerConfigPath?: string;
  /** Credentials by registry host, used instead of the docker config (tests, CLI flags). */
  credentials?: (registry: string) => RegistryCredentials | undefined;
  maxManifestBytes?: number;
  maxBlobBytes?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type Action = 'pull' | 'push';

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Statuses returned to the caller; anything else is REGISTRY_FAILED. */
  ok: number[];
  action?: Action;
  /** Follow redirects (blob downloads go to storage); Authorization only to the same origin. */
  followRedirects?: boolean;
}

/**
 * The OCI distribution API over fetch: manifests, blobs, tags, referrers (with the
 * referrers tag schema fallback), anonymous / Basic / Bearer-token auth. Every answer
 * is read with a size bound and every digest-addressed answer is checked against its
 * digest: a registry is untrusted input, and a failure is ClientError('REGISTRY_FAILED')
 * naming the URL.
 */
export class RegistryClient {
  private readonly fetch: typeof fetch;
  private readonly maxManifest: number;
  private readonly maxBlob: number;
  private readonly timeoutMs: number;
  private readonly creds: (registry: string) => RegistryCredentials | undefined;
  /** Authorization header per registry + scope, once a challenge has been answered. */
  private readonly authCache = new Map<string, string>();
  /** Whether a registry answers the referrers API (asked once per registry). */
  private readonly referrersApi = new Map<string, boolean>();

  constructor(opts: RegistryClientOptions = {}) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.maxManifest = opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    this.maxBlob = opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    if (opts.credentials) this.creds = opts.credentials;
    else {
      let config: Map<string, RegistryCredentials> | undefined;
      const path = opts.dockerConfigPath ?? defaultDockerConfigPath();
      this.creds = (registry) => credentialsFor((config ??= readDockerConfig(path)), registry);
    }
  }

  /** The manifest at a tag or digest; undefined when the registry says it is unknown (404). */
  async getManifest(repo: Repository, reference: string, accept: readonly string[] = MANIFEST_TYPES): Promise<FetchedManifest | undefined> {
    const url = this.url(repo, `manifests/${reference}`);
    const res = await this.request(repo, url, { headers: { accept: accept.join(', ') }, ok: [200, 404] });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    const bytes = await readBounded(res, this.maxManifest, url);
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) throw new ClientError('REGISTRY_FAILED', `${url}: the manifest's digest is ${digest}, not the ${reference} asked for`);
    const mediaType = manifestMediaType(bytes, res.headers.get('content-type'), url);
    return { bytes, mediaType, digest };
  }

  /** The descriptor of a manifest (HEAD), undefined on 404. Falls back to GET when the registry omits Docker-Content-Digest. */
  async headManifest(repo: Repository, reference: string): Promise<Descriptor | undefined> {
    const url = this.url(repo, `manifests/${reference}`);
    const res = await this.request(repo, url, { method: 'HEAD', headers: { accept: MANIFEST_TYPES.join(', ') }, ok: [200, 404] });
    if (res.status === 404) return undefined;
    const digest = res.headers.get('docker-content-digest');
    const size = Number(res.headers.get('content-length'));
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim();
    if (digest && /^sha256:[0-9a-f]{64}$/.test(digest) && Number.isSafeInteger(size) && size > 0 && mediaType && (!reference.startsWith('sha256:') || digest === reference))
      return { mediaType, digest, size };
    const m = await this.getManifest(repo, reference);
    return m && { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  }

  /** Stores a manifest under a tag or its digest; returns its digest and whether the registry handled its subject (OCI-Subject header). */
  async putManifest(repo: Repository, reference: string, bytes: Uint8Array, mediaType: string): Promise<{ digest: string; subjectHandled: boolean }> {
    const url = this.url(repo, `manifests/${reference}`);
    const res = await this.request(repo, url, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes, ok: [200, 201, 202], action: 'push' });
    await res.body?.cancel();
    return { digest: sha256Digest(bytes), subjectHandled: res.headers.get('oci-subject') !== null };
  }

  async hasBlob(repo: Repository, digest: string): Promise<boolean> {
    const url = this.url(repo, `blobs/${digest}`);
    const res = await this.request(repo, url, { method: 'HEAD', ok: [200, 404], action: 'pull', followRedirects: true });
    return res.status === 200;
  }

  /** A small blob (config, signature payload, bundle) read into memory, checked against its digest. */
  async readBlob(repo: Repository, digest: string, maxBytes = this.maxBlob): Promise<Uint8Array> {
    const url = this.url(repo, `blobs/${digest}`);
    const res = await this.request(repo, url, { ok: [200], followRedirects: true });
    const bytes = await readBounded(res, maxBytes, url);
    const got = sha256Digest(bytes);
    if (got !== digest) throw new ClientError('REGISTRY_FAILED', `${url}: the blob's digest is ${got}, not ${digest}`);
    return bytes;
  }

  /**
   * A blob as a stream of chunks, never held whole in memory (image layers). The
   * digest and the announced length are checked at the end: the last step throws
   * REGISTRY_FAILED if they differ, so a consumer must treat what it read as
   * untrusted until the iteration completes.
   */
  async *streamBlob(repo: Repository, digest: string, expectedSize?: number): AsyncGenerator<Uint8Array> {
    const url = this.url(repo, `blobs/${digest}`);
    const res = await this.request(repo, url, { ok: [200], followRedirects: true });
    if (!res.body) throw new ClientError('REGISTRY_FAILED', `${url}: no body`);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (expectedSize !== undefined && size > expectedSize) throw new ClientError('REGISTRY_FAILED', `${url}: the blob is longer than the ${expectedSize} bytes its descriptor says`);
      hash.update(chunk);
      yield chunk;
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== digest) throw new ClientError('REGISTRY_FAILED', `${url}: the blob's digest is ${got}, not ${digest}`);
    if (expectedSize !== undefined && size !== expectedSize) throw new ClientError('REGISTRY_FAILED', `${url}: the blob is ${size} bytes, not ${expectedSize}`);
  }

  /**
   * Uploads a blob unless the registry already has it (HEAD): POST to open an upload,
   * then one monolithic PUT with `?digest=`. `data` is the bytes, or a stream with its
   * digest and size known in advance (large layers).
   */
  async uploadBlob(repo: Repository, data: Uint8Array | { digest: string; size: number; stream: () => ReadableStream<Uint8Array> }): Promise<{ digest: string; size: number }> {
    const digest = data instanceof Uint8Array ? sha256Digest(data) : data.digest;
    const size = data instanceof Uint8Array ? data.length : data.size;
    if (await this.hasBlob(repo, digest)) return { digest, size };
    const start = this.url(repo, 'blobs/uploads/');
    const res = await this.request(repo, start, { method: 'POST', headers: { 'content-length': '0' }, ok: [202], action: 'push' });
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) throw new ClientError('REGISTRY_FAILED', `${start}: no Location for the upload`);
    const put = new URL(location, start);
    if (put.origin !== new URL(start).origin) throw new ClientError('REGISTRY_FAILED', `${start}: the upload location ${put.origin} is on another origin`);
    put.searchParams.set('digest', digest);
    const body = data instanceof Uint8Array ? data : data.stream();
    const done = await this.request(repo, put.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      ok: [201, 204],
      action: 'push',
    });
    await done.body?.cancel();
    return { digest, size };
  }

  /** All tags of a repository (following `Link` pagination). */
  async listTags(repo: Repository): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = this.url(repo, 'tags/list');
    for (let page = 0; url && page < 100; page++) {
      const res = await this.request(repo, url, { ok: [200, 404] });
      if (res.status === 404) {
        await res.body?.cancel();
        return tags;
      }
      const doc = parseJson(await readBounded(res, this.maxManifest, url), url) as { tags?: unknown };
      if (doc.tags !== null && doc.tags !== undefined) {
        if (!Array.isArray(doc.tags) || !doc.tags.every((x) => typeof x === 'string')) throw new ClientError('REGISTRY_FAILED', `${url}: tags is not a list of strings`);
        tags.push(...(doc.tags as string[]));
      }
      const link = res.headers.get('link');
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      url = next ? new URL(next, url).toString() : undefined;
    }
    return tags;
  }

  /**
   * The referrers of a manifest: the referrers API (`GET /v2/<name>/referrers/<digest>`)
   * when the registry has it, otherwise the index under the referrers tag
   * (`sha256-<hex>`), as go-containerregistry does: a 404, 400 or 406 from the API, or
   * an answer that is not an OCI index, means "no API". `artifactType` filters, on our
   * side too (a registry may ignore the filter).
   */
  async referrers(repo: Repository, digest: string, artifactType?: string): Promise<{ manifests: Descriptor[]; source: 'api' | 'tag' }> {
    const api = new URL(this.url(repo, `referrers/${digest}`));
    if (artifactType) api.searchParams.set('artifactType', artifactType);
    const res = await this.request(repo, api.toString(), { headers: { accept: OCI_INDEX }, ok: [200, 400, 404, 406] });
    let manifests: Descriptor[];
    let source: 'api' | 'tag';
    if (res.status === 200 && res.headers.get('content-type')?.split(';')[0]?.trim() === OCI_INDEX) {
      this.referrersApi.set(repo.registry, true);
      manifests = indexManifests(await readBounded(res, this.maxManifest, api.toString()), api.toString());
      source = 'api';
    } else {
      await res.body?.cancel();
      this.referrersApi.set(repo.registry, false);
      const tagged = await this.getManifest(repo, digestTag(digest), [OCI_INDEX]);
      manifests = tagged ? indexManifests(tagged.bytes, this.url(repo, `manifests/${digestTag(digest)}`)) : [];
      source = 'tag';
    }
    return { manifests: artifactType ? manifests.filter((m) => m.artifactType === artifactType) : manifests, source };
  }

  /**
   * Pushes a manifest that has a `subject` (by its digest) and, when the registry does
   * not maintain referrers itself (no OCI-Subject answer and no referrers API), adds its
   * descriptor to the referrers tag index, as go-containerregistry does. The index is
   * read, extended and written back: two writers racing on the same subject can lose
   * one entry (the tag schema has no compare-and-swap; go-containerregistry has the
   * same gap), and a crash between the two PUTs leaves a manifest no tag lists (harmless,
   * re-signing adds it again).
   */
  async pushReferrer(repo: Repository, subjectDigest: string, manifest: Uint8Array, mediaType: string, descriptor: Omit<Descriptor, 'digest' | 'size' | 'mediaType'>): Promise<Descriptor> {
    const digest = sha256Digest(manifest);
    const { subjectHandled } = await this.putManifest(repo, digest, manifest, mediaType);
    const desc: Descriptor = { mediaType, size: manifest.length, digest, ...descriptor };
    if (subjectHandled) return desc;
    if (!this.referrersApi.has(repo.registry)) await this.referrers(repo, subjectDigest);
    if (this.referrersApi.get(repo.registry)) return desc;
    const tag = digestTag(subjectDigest);
    const current = await this.getManifest(repo, tag, [OCI_INDEX]);
    let index: { schemaVersion: number; mediaType: string; manifests: Descriptor[]; [k: string]: unknown };
    if (current) {
      const url = this.url(repo, `manifests/${tag}`);
      const doc = parseJson(current.bytes, url) as Record<string, unknown>;
      if (doc.schemaVersion !== 2 || doc.mediaType !== OCI_INDEX) throw new ClientError('REGISTRY_FAILED', `${url}: the referrers tag does not hold an OCI image index`);
      const manifests = indexManifests(current.bytes, url);
      if (manifests.some((m) => m.digest === digest)) return desc;
      index = { ...doc, schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...manifests, desc] };
    } else {
      index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [desc] };
    }
    await this.putManifest(repo, tag, Buffer.from(JSON.stringify(index)), OCI_INDEX);
    return desc;
  }

  private url(repo: Repository, path: string): string {
    return `${registryScheme(repo.registry)}://${repo.registry}/v2/${repo.repository}/${path}`;
  }

  /** One request with auth: a cached Authorization for the scope, or a 401 challenge answered once. */
  private async request(repo: Repository, url: string, opts: RequestOptions): Promise<Response> {
    const action = opts.action ?? (opts.method === undefined || opts.method === 'GET' || opts.method === 'HEAD' ? 'pull' : 'push');
    const scope = `repository:${repo.repository}:${action === 'push' ? 'pull,push' : 'pull'}`;
    const key = `${repo.registry} ${scope}`;
    let auth = this.authCache.get(key);
    let res = await this.send(url, opts, auth);
    if (res.status === 401 && !(opts.body instanceof ReadableStream)) {
      const challenge = parseAuthChallenge(res.headers.get('www-authenticate'));
      await res.body?.cancel();
      auth = challenge ? await this.answer(repo, url, challenge, scope) : undefined;
      if (auth) {
        this.authCache.set(key, auth);
        res = await this.send(url, opts, auth);
      }
    }
    if (!opts.ok.includes(res.status)) {
      const detail = await readErrorBody(res);
      const hint = res.status === 401 || res.status === 403 ? ' (check the credentials in the docker config.json for this registry)' : '';
      throw new ClientError('REGISTRY_FAILED', `${opts.method ?? 'GET'} ${url}: ${res.status} ${res.statusText}${detail}${hint}`);
    }
    return res;
  }

  private async send(url: string, opts: RequestOptions, auth: string | undefined): Promise<Response> {
    let target = url;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...opts.headers };
      const sameOrigin = new URL(target).origin === new URL(url).origin;
      if (auth && sameOrigin) headers.authorization = auth;
      let res: Response;
      try {
        res = await this.fetch(target, {
          method: opts.method ?? 'GET',
          headers,
          ...(opts.body ? { body: opts.body, duplex: 'half' } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(this.timeoutMs),
        } as RequestInit);
      } catch (e) {
        throw new ClientError('REGISTRY_FAILED', `${opts.method ?? 'GET'} ${target}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`, { cause: e });
      }
      const location = res.headers.get('location');
      if (!opts.followRedirects || ![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new ClientError('REGISTRY_FAILED', `${url}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, target);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && registryScheme(next.host) === 'http')) throw new ClientError('REGISTRY_FAILED', `${url}: redirected to ${next.origin}, not HTTPS`);
      target = next.toString();
    }
  }

  /** Answers a challenge: Basic with the configured credentials, or a Bearer token from the realm. */
  private async answer(repo: Repository, url: string, challenge: { scheme: 'bearer' | 'basic'; params: Record<string, string> }, scope: string): Promise<string | undefined> {
    const creds = this.creds(repo.registry);
    const basic = creds && `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    if (challenge.scheme === 'basic') return basic;
    const realm = challenge.params.realm;
    if (!realm) throw new ClientError('REGISTRY_FAILED', `${url}: Bearer challenge without a realm`);
    let tokenUrl: URL;
    try {
      tokenUrl = new URL(realm);
    } catch {
      throw new ClientError('REGISTRY_FAILED', `${url}: Bearer realm ${JSON.stringify(realm)} is not a URL`);
    }
    // Credentials go to the realm: only over HTTPS (or plain HTTP on loopback, as the registry itself).
    if (tokenUrl.protocol !== 'https:' && !(tokenUrl.protocol === 'http:' && registryScheme(tokenUrl.host) === 'http'))
      throw new ClientError('REGISTRY_FAILED', `${url}: Bearer realm ${tokenUrl.origin} is not HTTPS`);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.append('scope', scope);
    let res: Response;
    try {
      res = await this.fetch(tokenUrl, { headers: basic ? { authorization: basic } : {}, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new ClientError('REGISTRY_FAILED', `token ${tokenUrl.origin}${tokenUrl.pathname}: ${(e as Error).message}`, { cause: e });
    }
    if (res.status !== 200) {
      const detail = await readErrorBody(res);
      throw new ClientError('REGISTRY_FAILED', `token ${tokenUrl.origin}${tokenUrl.pathname} for ${scope}: ${res.status}${detail}${creds ? '' : ' (no credentials for this registry in the docker config.json)'}`);
    }
    const body = parseJson(await readBounded(res, MAX_SMALL_BODY, tokenUrl.toString()), `token ${tokenUrl.origin}${tokenUrl.pathname}`) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new ClientError('REGISTRY_FAILED', `token ${tokenUrl.origin}${tokenUrl.pathname}: no token in the answer`);
    return `Bearer ${token}`;
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Reads a body, refusing more than `max` bytes (by Content-Length up front, then as it streams). */
export async function readBounded(res: Response, max: number, url: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new ClientError('REGISTRY_FAILED', `${url}: the answer is ${declared} bytes, more than the ${max} allowed`);
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > max) throw new ClientError('REGISTRY_FAILED', `${url}: the answer is more than the ${max} bytes allowed`);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ClientError) throw e;
    throw new ClientError('REGISTRY_FAILED', `${url}: reading the answer failed: ${(e as Error).message}`, { cause: e });
  }
  return Buffer.concat(chunks);
}

async function readErrorBody(res: Response): Promise<string> {
  try {
    const text = Buffer.from(await readBounded(res, MAX_SMALL_BODY, res.url)).toString('utf8');
    const doc = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = doc.errors?.[0];
    if (first) return `: ${String(first.code ?? '')} ${String(first.message ?? '')}`.slice(0, 300);
    return '';
  } catch {
    return '';
  }
}

export function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new ClientError('REGISTRY_FAILED', `${where}: not a JSON object (${(e as Error).message})`, { cause: e });
  }
}

/** The media type of a manifest: its own `mediaType` member, else the Content-Type. */
function manifestMediaType(bytes: Uint8Array, contentType: string | null, url: string): string {
  const doc = parseJson(bytes, url) as { mediaType?: unknown; schemaVersion?: unknown };
  if (doc.schemaVersion !== 2) throw new ClientError('REGISTRY_FAILED', `${url}: not a schema version 2 manifest`);
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  const ct = contentType?.split(';')[0]?.trim();
  if (ct) return ct;
  throw new ClientError('REGISTRY_FAILED', `${url}: the manifest has no media type`);
}

/** Checks one descriptor from registry JSON. */
export function toDescriptor(v: unknown, where: string): Descriptor {
  const d = v as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) throw new ClientError('REGISTRY_FAILED', `${where}: a descriptor is not an object`);
  if (typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest) || typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw new ClientError('REGISTRY_FAILED', `${where}: a descriptor lacks a media type, a sha256 digest or a size`);
  const out: Descriptor = { mediaType: d.mediaType, size: d.size, digest: d.digest };
  if (typeof d.artifactType === 'string') out.artifactType = d.artifactType;
  if (d.annotations !== undefined && d.annotations !== null) {
    if (typeof d.annotations !== 'object' || Object.values(d.annotations).some((x) => typeof x !== 'string')) throw new ClientError('REGISTRY_FAILED', `${where}: annotations are not strings`);
    out.annotations = d.annotations as Record<string, string>;
  }
  if (typeof d.platform === 'object' && d.platform !== null) out.platform = d.platform as Descriptor['platform'] & object;
  return out;
}

/** The `manifests` of an index (referrers answers, multi-platform images). */
export function indexManifests(bytes: Uint8Array, where: string): Descriptor[] {
  const doc = parseJson(bytes, where) as { manifests?: unknown };
  if (doc.manifests === undefined || doc.manifests === null) return [];
  if (!Array.isArray(doc.manifests)) throw new ClientError('REGISTRY_FAILED', `${where}: manifests is not a list`);
  return doc.manifests.map((m) => toDescriptor(m, where));
}
