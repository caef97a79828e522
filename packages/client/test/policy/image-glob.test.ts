import t from 'tap';
import { expectClientError } from './policy-test-helpers.js';
import { compileImageGlob, imageMatchesGlob, toImageName } from '../../src/policy/image-glob.js';

// Cases written after policy-controller's pkg/apis/glob semantics (our own table, not a copy).
const D = `sha256:${'ab'.repeat(32)}`;
const D2 = `sha256:${'cd'.repeat(32)}`;

t.test('references normalise as go-containerregistry names them', async (t) => {
  const cases: [string, string][] = [
    ['busybox', 'index.docker.io/library/busybox:latest'],
    ['busybox:1.36', 'index.docker.io/library/busybox:1.36'],
    ['docker.io/busybox', 'index.docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:1', 'index.docker.io/library/busybox:1'],
    ['index.docker.io/acme/app', 'index.docker.io/acme/app:latest'],
    ['acme/app:v2', 'index.docker.io/acme/app:v2'],
    ['ghcr.io/acme/app', 'ghcr.io/acme/app:latest'],
    ['ghcr.io/acme/team/app:v1.2.3', 'ghcr.io/acme/team/app:v1.2.3'],
    ['localhost/app', 'localhost/app:latest'],
    ['127.0.0.1:5000/app:dev', '127.0.0.1:5000/app:dev'],
    ['registry:5000/app', 'registry:5000/app:latest'],
    [`ghcr.io/acme/app@${D}`, `ghcr.io/acme/app@${D}`],
    [`ghcr.io/acme/app:v1@${D}`, `ghcr.io/acme/app@${D}`],
    [`busybox@${D}`, `index.docker.io/library/busybox@${D}`],
  ];
  for (const [ref, name] of cases) t.equal(toImageName(ref).name, name, ref);
});

t.test('references we cannot read are REFERENCE_INVALID', async (t) => {
  for (const ref of ['', 'invalid&name', 'UPPER/case', 'ghcr.io/acme/app:bad@tag', 'app@sha256:short', 'app@md5:abcd', 'ghcr.io/', 'app:-tag', 'a'.repeat(5000), 'ghcr.io/acme/ap p']) {
    await expectClientError(t, () => toImageName(ref), 'REFERENCE_INVALID', /^image reference /, JSON.stringify(ref.slice(0, 40)));
  }
});

t.test('glob matching table', async (t) => {
  const cases: [image: string, glob: string, match: boolean, digest?: string][] = [
    // Docker Hub official images: the normalised name is index.docker.io/library/<name>:<tag>
    ['busybox', 'index.docker.io/library/busybox:latest', true],
    ['busybox', 'index.docker.io/library/busybox:*', true],
    ['busybox', 'index.docker.io/library/*', true],
    ['busybox', 'index.docker.io/*/*', true],
    ['busybox', 'index.docker.io/**', true],
    ['busybox', '*', true], // "*" alone stands for index.docker.io/library/*
    ['busybox', 'docker.io/library/busybox', false], // the glob is not normalised, only the image
    ['busybox', 'busybox', true], // the reference as written (upstream's deprecated fallback)
    ['busybox', 'busybox*', true],
    ['docker.io/busybox:1.36', 'index.docker.io/library/busybox:1.*', true],
    ['busybox:1.36', 'index.docker.io/library/busybox:2*', false],
    // user images on Docker Hub
    ['acme/app', 'index.docker.io/acme/*', true],
    ['acme/app', '*/*', true], // "*/*" alone stands for index.docker.io/*/*
    ['acme/app', '*', false],
    ['acme/app', 'index.docker.io/library/*', false],
    // * stops at /, ** does not
    ['ghcr.io/acme/app', 'ghcr.io/*/*', true],
    ['ghcr.io/acme/app', 'ghcr.io/*', false],
    ['ghcr.io/acme/app', 'ghcr.io/**', true],
    ['ghcr.io/acme/team/app', 'ghcr.io/acme/*', false],
    ['ghcr.io/acme/team/app', 'ghcr.io/acme/**', true],
    ['ghcr.io/acme', 'ghcr.io/*/*', false],
    ['ghcr.io/acme', '*/**', true],
    ['ghcr.io/acme/app', '**', true],
    // anchored, and . is literal
    ['evil-ghcr.io/acme/app', 'ghcr.io/**', false],
    ['ghcr.io/acme/app-two', 'ghcr.io/acme/app', false],
    ['ghcrxio/acme/app', 'ghcr.io/**', false],
    ['ghcr.io.evil.com/acme/app', 'ghcr.io/**', false],
    // tags: * eats ":tag" as well (":" is not a separator)
    ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app:v1', true],
    ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app:*', true],
    ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app', false],
    ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app*', true],
    // digests: matched as repo@digest, whether given in the reference or resolved
    [`ghcr.io/acme/app@${D}`, `ghcr.io/acme/app@${D}`, true],
    [`ghcr.io/acme/app@${D}`, `ghcr.io/acme/app@${D2}`, false],
    [`ghcr.io/acme/app@${D}`, 'ghcr.io/acme/*', true],
    [`ghcr.io/acme/app@${D}`, 'ghcr.io/acme/app:*', false],
    ['ghcr.io/acme/app:v1', `ghcr.io/acme/app@${D}`, true, D],
    ['ghcr.io/acme/app:v1', `ghcr.io/acme/app@${D}`, false, D2],
    ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app:v1', true, D], // the tag still matches when a digest is known
    // local registries
    ['127.0.0.1:5000/app:dev', '127.0.0.1:5000/**', true],
    ['localhost:5000/team/app', 'localhost:5000/*/*', true],
  ];
  for (const [image, glob, match, digest] of cases) {
    t.equal(imageMatchesGlob(glob, image, digest), match, `${image} ~ ${glob}${digest ? ` (${digest.slice(0, 12)})` : ''}`);
  }
});

t.test('globs outside the alphabet are refused', async (t) => {
  for (const g of ['.+', '[a-z]*', 'ghcr.io/acme/{a,b}', 'ghcr.io/acme/app?', 'ghcr.io\\acme', 'a b', '', 'x'.repeat(2000)]) {
    t.throws(() => compileImageGlob(g), Error, JSON.stringify(g.slice(0, 20)));
  }
});
