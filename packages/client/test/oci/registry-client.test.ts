// The distribution API client against Docker's distribution registry (no referrers API:
// the tag schema fallback is what it exercises) and against a hostile fake registry.
import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry } from '../../../../test/lib/registry.js';
import { tempDir, type Teardown } from '../../../../test/lib/temp-dir.js';
import { RegistryClient, sha256Digest } from '../../src/oci/registry-client.js';
import { parseAuthChallenge, readDockerConfig } from '../../src/oci/registry-auth.js';
import { OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from '../../src/oci/media-types.js';

const dir = tempDir(t);
const registry = await startRegistry(t, join(dir, 'registry'));
const repo = { registry: registry.host, repository: 'test/client' };
const client = new RegistryClient({ credentials: () => undefined });

async function pushImage(content: string): Promise<{ digest: string; size: number; bytes: Buffer }> {
  const cfg = await client.uploadBlob(repo, Buffer.from('{}'));
  const layer = await client.uploadBlob(repo, Buffer.from(content));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_EMPTY, size: cfg.size, digest: cfg.digest }, layers: [{ mediaType: 'application/octet-stream', size: layer.size, digest: layer.digest }] }));
  const { digest } = await client.putManifest(repo, 'v1', bytes, OCI_MANIFEST);
  return { digest, size: bytes.length, bytes };
}

t.test('blobs, manifests, tags on the distribution registry', async (t) => {
  const img = await pushImage('layer one');
  const m = await client.getManifest(repo, img.digest);
  t.equal(m?.digest, img.digest);
  t.equal(m?.mediaType, OCI_MANIFEST);
  t.same(await client.headManifest(repo, 'v1'), { mediaType: OCI_MANIFEST, digest: img.digest, size: img.size });
  t.equal(await client.getManifest(repo, 'nope'), undefined, 'an unknown tag is undefined');
  t.ok((await client.listTags(repo)).includes('v1'));
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  const up = await client.uploadBlob(repo, { digest: sha256Digest(big), size: big.length, stream: () => new Blob([big]).stream() });
  t.equal(up.digest, sha256Digest(big), 'a streamed upload');
  t.same(await client.uploadBlob(repo, big), up, 'an existing blob is not uploaded again');
  const hash = createHash('sha256');
  let chunks = 0;
  for await (const c of client.streamBlob(repo, up.digest, up.size)) {
    hash.update(c);
    chunks++;
  }
  t.equal(`sha256:${hash.digest('hex')}`, up.digest, 'streamed back');
  t.ok(chunks > 1, 'in chunks');
  await t.rejects(client.readBlob(repo, up.digest, 1024), { code: 'REGISTRY_FAILED', message: /more than the 1024/ });
});

t.test('referrers: the tag schema fallback when the API is absent', async (t) => {
  const img = await pushImage('subject');
  const none = await client.referrers(repo, img.digest);
  t.same(none, { manifests: [], source: 'tag' }, 'Debian/Docker distribution has no referrers API');
  const cfg = await client.uploadBlob(repo, Buffer.from('{}'));
  const mk = (n: number) =>
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/x-test', config: { mediaType: OCI_EMPTY, size: 2, digest: cfg.digest }, layers: [{ mediaType: OCI_EMPTY, size: 2, digest: cfg.digest }], annotations: { n: String(n) }, subject: { mediaType: OCI_MANIFEST, size: img.size, digest: img.digest } }));
  const a = await client.pushReferrer(repo, img.digest, mk(1), OCI_MANIFEST, { artifactType: 'application/x-test' });
  const b = await client.pushReferrer(repo, img.digest, mk(2), OCI_MANIFEST, { artifactType: 'application/x-other' });
  await client.pushReferrer(repo, img.digest, mk(1), OCI_MANIFEST, { artifactType: 'application/x-test' });
  const all = await client.referrers(repo, img.digest);
  t.equal(all.source, 'tag');
  t.same(all.manifests.map((m) => m.digest), [a.digest, b.digest], 'both listed once, in order');
  t.same((await client.referrers(repo, img.digest, 'application/x-other')).manifests.map((m) => m.digest), [b.digest], 'filtered by artifactType');
  const index = await client.getManifest(repo, `${img.digest.replace(':', '-')}`);
  t.equal(index?.mediaType, OCI_INDEX, 'the fallback tag holds an OCI index');
});

/** A registry that answers what the test says. */
async function fakeRegistry(t: Teardown, handler: (req: IncomingMessage, res: ServerResponse, host: string) => void): Promise<string> {
  const server = createServer((req, res) => handler(req, res, host));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return host;
}

t.test('hostile answers are REGISTRY_FAILED naming the URL', async (t) => {
  const good = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
  const goodDigest = sha256Digest(good);
  const host = await fakeRegistry(t, (req, res) => {
    const url = req.url ?? '';
    if (url.endsWith('/manifests/huge')) {
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      const chunk = Buffer.alloc(1024 * 1024, 32);
      for (let i = 0; i < 6; i++) res.write(chunk);
      return res.end();
    }
    if (url.endsWith('/manifests/liar')) {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(100 * 1024 * 1024) });
      return res.end();
    }
    if (url.endsWith(`/manifests/${goodDigest}`)) {
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      return res.end(Buffer.concat([good, Buffer.from(' ')]));
    }
    if (url.endsWith('/manifests/garbage')) {
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      return res.end('{"schemaVersion": 2, ');
    }
    if (url.includes('/blobs/')) {
      res.writeHead(200);
      return res.end('not what you asked for');
    }
    if (url.includes('/referrers/')) {
      res.writeHead(200, { 'content-type': OCI_INDEX });
      return res.end('{"schemaVersion":2,"manifests":[{"digest":"sha256:zz"}]}');
    }
    res.writeHead(500);
    res.end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
  });
  const r = { registry: host, repository: 'evil/app' };
  const c = new RegistryClient({ credentials: () => undefined });
  await t.rejects(c.getManifest(r, 'huge'), { code: 'REGISTRY_FAILED', message: new RegExp(`http://${host}/v2/evil/app/manifests/huge: the answer is more than`) });
  await t.rejects(c.getManifest(r, 'liar'), { code: 'REGISTRY_FAILED', message: /104857600 bytes, more than/ });
  await t.rejects(c.getManifest(r, goodDigest), { code: 'REGISTRY_FAILED', message: new RegExp(`the manifest's digest is sha256:[0-9a-f]{64}, not the ${goodDigest}`) });
  await t.rejects(c.getManifest(r, 'garbage'), { code: 'REGISTRY_FAILED', message: /manifests\/garbage: not a JSON object/ });
  await t.rejects(c.readBlob(r, goodDigest), { code: 'REGISTRY_FAILED', message: /the blob's digest is/ });
  await t.rejects(
    (async () => {
      for await (const _ of c.streamBlob(r, goodDigest)) void _;
    })(),
    { code: 'REGISTRY_FAILED', message: /the blob's digest is/ },
  );
  await t.rejects(c.referrers(r, goodDigest), { code: 'REGISTRY_FAILED', message: /a descriptor lacks/ });
  await t.rejects(c.listTags(r), { code: 'REGISTRY_FAILED', message: /500 Internal Server Error: UNKNOWN boom/ });
  await t.rejects(new RegistryClient({ credentials: () => undefined }).getManifest({ registry: '127.0.0.1:1', repository: 'x' }, 'v1'), { code: 'REGISTRY_FAILED', message: /127\.0\.0\.1:1/ });
});

t.test('auth: Bearer challenge with Basic credentials from the docker config, Basic challenge', async (t) => {
  const seen: { path: string; auth?: string }[] = [];
  const host = await fakeRegistry(t, (req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    seen.push({ path: url.pathname + url.search, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
        res.writeHead(401);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}` }));
    }
    if (url.pathname.startsWith('/v2/bearer/')) {
      if (req.headers.authorization !== 'Bearer tok-repository:bearer/app:pull') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:bearer/app:pull"` });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ name: 'bearer/app', tags: ['a', 'b'] }));
    }
    if (url.pathname.startsWith('/v2/basic/')) {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ tags: ['c'] }));
    }
    if (url.pathname.startsWith('/v2/evilrealm/')) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://attacker.example/token",service="x"' });
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  const config = join(dir, 'docker-config.json');
  writeFileSync(config, JSON.stringify({ auths: { [`http://${host}/v1/`]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
  const c = new RegistryClient({ dockerConfigPath: config });
  t.same(await c.listTags({ registry: host, repository: 'bearer/app' }), ['a', 'b']);
  t.same(await c.listTags({ registry: host, repository: 'bearer/app' }), ['a', 'b'], 'the token is reused');
  t.equal(seen.filter((s) => s.path.startsWith('/token')).length, 1, 'one token request');
  t.match(seen.find((s) => s.path.startsWith('/token'))?.path, /service=fake&scope=repository%3Abearer%2Fapp%3Apull/);
  t.same(await c.listTags({ registry: host, repository: 'basic/app' }), ['c']);
  await t.rejects(c.listTags({ registry: host, repository: 'evilrealm/app' }), { code: 'REGISTRY_FAILED', message: /realm http:\/\/attacker.example is not HTTPS/ });
  const anon = new RegistryClient({ dockerConfigPath: join(dir, 'missing.json') });
  await t.rejects(anon.listTags({ registry: host, repository: 'bearer/app' }), { code: 'REGISTRY_FAILED', message: /token .* 401.*no credentials/ });
});

t.test('docker config and challenges parse', async (t) => {
  const p = join(dir, 'cfg.json');
  writeFileSync(p, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p:w').toString('base64') }, 'ghcr.io': { username: 'x', password: 'y' }, bad: 7 } }));
  const m = readDockerConfig(p);
  t.same(m.get('index.docker.io'), { username: 'u', password: 'p:w' });
  t.same(m.get('ghcr.io'), { username: 'x', password: 'y' });
  writeFileSync(p, '{not json');
  t.throws(() => readDockerConfig(p), { code: 'REGISTRY_FAILED', message: /cfg.json are not JSON/ });
  t.same(parseAuthChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' },
  });
  t.equal(parseAuthChallenge('Negotiate abc'), undefined);
});
