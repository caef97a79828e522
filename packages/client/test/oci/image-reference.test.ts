import t from 'tap';
import { digestTag, parseImageReference, registryScheme } from '../../src/oci/image-reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

t.test('go-containerregistry defaults', async (t) => {
  t.match(parseImageReference('ubuntu'), { registry: 'index.docker.io', repository: 'library/ubuntu', name: 'index.docker.io/library/ubuntu' });
  t.match(parseImageReference('docker.io/ubuntu:22.04'), { registry: 'index.docker.io', repository: 'library/ubuntu', tag: '22.04' });
  t.match(parseImageReference('sigstore/cosign'), { registry: 'index.docker.io', repository: 'sigstore/cosign' });
  t.match(parseImageReference('ghcr.io/a/b/c:v1'), { registry: 'ghcr.io', repository: 'a/b/c', tag: 'v1' });
  t.match(parseImageReference(`127.0.0.1:5000/test/app@${D}`), { registry: '127.0.0.1:5000', repository: 'test/app', digest: D, name: '127.0.0.1:5000/test/app' });
  t.match(parseImageReference('localhost/app:1'), { registry: 'localhost', repository: 'app', tag: '1' });
  const both = parseImageReference(`ghcr.io/a/b:v1@${D}`);
  t.equal(both.digest, D);
  t.equal(both.tag, undefined, 'the digest wins over the tag');
  t.equal(parseImageReference('ghcr.io/a').tag, undefined, 'no tag: latest is implied by the caller');
});

t.test('invalid references are REFERENCE_INVALID', async (t) => {
  for (const bad of ['', 'UPPER/case', 'ghcr.io/a:bad tag', `ghcr.io/a@sha256:${'ab'.repeat(31)}`, 'ghcr.io/a@md5:abc', 'ghcr.io//a', 'ghcr.io/a:', ':tag', 'a'.repeat(300), 'ghcr.io/a:-x', 'exa mple.com/a']) {
    t.throws(() => parseImageReference(bad), { name: 'ClientError', code: 'REFERENCE_INVALID' }, JSON.stringify(bad));
  }
});

t.test('scheme and tags', async (t) => {
  t.equal(registryScheme('127.0.0.1:5000'), 'http');
  t.equal(registryScheme('localhost:5000'), 'http');
  t.equal(registryScheme('[::1]:5000'), 'http');
  t.equal(registryScheme('10.0.0.1:5000'), 'https');
  t.equal(registryScheme('ghcr.io'), 'https');
  t.equal(digestTag(D, 'sig'), `sha256-${'ab'.repeat(32)}.sig`);
  t.equal(digestTag(D), `sha256-${'ab'.repeat(32)}`);
});
