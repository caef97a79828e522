// The log explorer at /ui/ in real Chromium (Debian's, driven by playwright-core)
// against a live stack: cosign 2.5 signs keyless, the page finds the entry by hash,
// by email and by workflow URI, and verifies the inclusion proof, the checkpoint and
// the signed entry timestamp itself; a tampered proof fails in the page; hostile
// certificate fields stay text; bad search terms are refused. Screenshots go to
// test-artifacts/explorer/.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { postEntry } from './lib/rekor-api.js';
import { launchChromium } from './lib/chromium.js';

t.setTimeout(300_000);

const shots = join(process.cwd(), 'test-artifacts', 'explorer');
mkdirSync(shots, { recursive: true });
const dir = tempDir(t);
const keyless = await startKeylessStack(t, dir, { ci: true });
const { stack, idp, env2: env } = keyless;
const ci = keyless.ci!;
const cosign = peer('cosign2');
const services = ['--fulcio-url', stack.url, '--rekor-url', stack.url];

async function signBlob(name: string, token: string): Promise<string> {
  const artifact = join(dir, name);
  writeFileSync(artifact, `${name} signed keyless at ${new Date().toISOString()}\n`);
  await runClientOk(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, token), '--bundle', `${artifact}.bundle`, '--yes', artifact], { env });
  return createHash('sha256').update(readFileSync(artifact)).digest('hex');
}

// Three entries, so that every inclusion proof has hashes in it.
const digest = await signBlob('alice.txt', await idp.emailToken('alice@example.com'));
await signBlob('alice2.txt', await idp.emailToken('alice@example.com'));
const workflowUri = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
await signBlob('release.txt', await ci.githubToken('acme/app', '.github/workflows/release.yml', 'refs/heads/main'));

const browser = await launchChromium(t);

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${stack.url}/ui/${path}`);
  return page;
}
const ready = (page: Page) => page.waitForSelector('#page[data-ready="true"]', { timeout: 30_000 });

t.test('the stack serves the explorer under /ui/ with a strict CSP and caching by kind', async (t) => {
  const html = await fetch(`${stack.url}/ui/`);
  t.equal(html.status, 200);
  t.match(html.headers.get('content-type'), /^text\/html/);
  t.match(html.headers.get('content-security-policy'), /default-src 'self'/);
  t.equal(html.headers.get('cache-control'), 'no-cache');
  const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(await html.text())?.[1];
  t.ok(script, 'the page loads a script from /ui/assets/');
  const js = await fetch(`${stack.url}${script}`);
  t.match(js.headers.get('content-type'), /^text\/javascript/);
  t.match(js.headers.get('cache-control'), /immutable/);
  const redirect = await fetch(`${stack.url}/ui`, { redirect: 'manual' });
  t.equal(redirect.status, 301);
  t.equal(redirect.headers.get('location'), '/ui/');
  for (const bad of ['/ui/nope.js', '/ui/assets/..%2f..%2fpackage.json', '/ui/../package.json', '/ui/assets/x.map']) {
    const r = await fetch(`${stack.url}${bad}`);
    t.equal(r.status, 404, bad);
    t.match(await r.json(), { code: 404 }, `${bad}: {code, message}`);
  }
});

t.test('finds the entry by hash, opens it, and sees the proof and checkpoint verified in the page', async (t) => {
  const page = await open(`#/search?q=sha256:${digest}`);
  await ready(page);
  t.equal(await page.locator('[data-role=result]').count(), 1, 'one entry for that artifact');
  await page.screenshot({ path: join(shots, 'search-by-hash.png') });
  await page.locator('[data-role=result] a').first().click();
  await page.waitForSelector('#verdict', { timeout: 30_000 });
  for (const check of ['uuid', 'inclusion', 'checkpoint-root', 'checkpoint-signature', 'set'])
    t.equal(await page.locator(`[data-check=${check}]`).getAttribute('data-status'), 'ok', `${check} checked in the page`);
  const text = await page.locator('body').innerText();
  t.match(text, /inclusion proof verified/);
  t.match(text, /checkpoint signature verified/);
  t.match(text, /Verified in this browser/);
  t.match(await page.locator('[data-role=identity]').innerText(), 'email:alice@example.com');
  t.match(text, new RegExp(`OIDC issuer\\s+${idp.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  t.match(text, /from the trusted CT log at/, 'the embedded SCT is matched to the CT log of the trusted root');
  t.match(await page.locator('[data-role=artifact-hash]').innerText(), `sha256:${digest}`);
  await page.screenshot({ path: join(shots, 'entry-verified.png'), fullPage: true });
  // The top of the page, small enough for the README (docs/explorer.png is a copy of one run's).
  await page.screenshot({ path: join(shots, 'readme.png'), clip: { x: 0, y: 0, width: 1000, height: 700 } });
  await page.close();
});

t.test('finds entries by identity: email typed in the search box, and workflow URI', async (t) => {
  const page = await open('');
  await ready(page);
  await page.screenshot({ path: join(shots, 'home.png'), fullPage: true });
  await page.fill('input[name=q]', 'alice@example.com');
  await page.press('input[name=q]', 'Enter');
  await page.waitForSelector('[data-role=result]', { timeout: 30_000 });
  t.equal(await page.locator('[data-role=result]').count(), 2, 'both of alice’s entries');
  t.match(await page.locator('.results').innerText(), /email:alice@example\.com/);
  await page.goto(`${stack.url}/ui/#/search?q=${encodeURIComponent(workflowUri)}`);
  await page.waitForSelector('[data-role=result]', { timeout: 30_000 });
  t.equal(await page.locator('[data-role=result]').count(), 1);
  t.match(await page.locator('.results').innerText(), `uri:${workflowUri}`);
  await page.close();
});

t.test('a tampered inclusion proof (one flipped byte) fails verification in the page', async (t) => {
  const page = await browser.newPage();
  await page.route(/\/api\/v1\/log\/entries\/[0-9a-f]{64}(?:[0-9a-f]{16})?$/, async (route) => {
    const res = await route.fetch();
    const json = (await res.json()) as Record<string, { verification: { inclusionProof: { hashes: string[] } } }>;
    for (const e of Object.values(json)) {
      const h = e.verification.inclusionProof.hashes;
      h[0] = (h[0]!.slice(0, 1) === '0' ? '1' : '0') + h[0]!.slice(1);
    }
    await route.fulfill({ response: res, json });
  });
  await page.goto(`${stack.url}/ui/#/search?q=sha256:${digest}`);
  await page.waitForSelector('[data-role=result] a');
  await page.locator('[data-role=result] a').first().click();
  await page.waitForSelector('#verdict', { timeout: 30_000 });
  t.equal(await page.locator('[data-check=inclusion]').getAttribute('data-status'), 'fail');
  t.equal(await page.locator('#verdict').getAttribute('data-status'), 'fail');
  const text = await page.locator('body').innerText();
  t.match(text, /inclusion proof FAILED/);
  t.match(text, /Verification FAILED/);
  await page.screenshot({ path: join(shots, 'entry-tampered.png'), fullPage: true });
  await page.close();
});

t.test('hostile certificate fields stay text: no script runs, nothing becomes markup', async (t) => {
  // A self-signed certificate with markup in its subject and email SAN, on a
  // hashedrekord entry (Rekor v1 takes any X.509 certificate for hashedrekord).
  const key = join(dir, 'evil.key');
  const cert = join(dir, 'evil.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=<script>window.__pwned=1<\\/script>',
    '-addext', 'subjectAltName=email:<img src=x onerror=window.__pwned=2>@evil.example',
  ], { stdio: 'pipe' });
  const artifact = Buffer.from('hostile entry');
  const hex = createHash('sha256').update(artifact).digest('hex');
  const posted = await postEntry(stack.url, {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: hex } },
      signature: { content: sign('sha256', artifact, readFileSync(key)).toString('base64'), publicKey: { content: readFileSync(cert).toString('base64') } },
    },
  });
  t.equal(posted.status, 201, posted.body);
  const page = await open(`#/search?q=${hex}`);
  await page.waitForSelector('[data-role=result] a', { timeout: 30_000 });
  await page.locator('[data-role=result] a').first().click();
  await page.waitForSelector('#verdict', { timeout: 30_000 });
  t.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined, 'no injected script or handler ran');
  t.equal(await page.locator('#main img, #main script').count(), 0, 'no element was made from entry contents');
  t.match(await page.locator('[data-role=identity]').innerText(), 'email:<img src=x onerror=window.__pwned=2>@evil.example');
  t.match(await page.locator('[data-role=certificate]').innerText(), 'CN=<script>window.__pwned=1</script>');
  t.equal(await page.locator('[data-check=inclusion]').getAttribute('data-status'), 'ok', 'and the entry itself still verifies');
  await page.screenshot({ path: join(shots, 'entry-hostile.png'), fullPage: true });
  await page.close();
});

t.test('malformed and oversized search terms are refused in the page, before any request', async (t) => {
  const page = await browser.newPage();
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/index') || r.url().includes('/api/v1/log/entries')) asked.push(r.url());
  });
  for (const [term, message] of [
    ['sha256:zz', /a sha256 digest is 64 hex digits/],
    ['abc123', /neither a digest/],
    ['x'.repeat(9000), /at most 8192 characters/],
    ['<script>alert(1)</script>', /not a hash, an email/],
  ] as const) {
    await page.goto(`${stack.url}/ui/#/search?q=${encodeURIComponent(term)}`);
    await ready(page);
    t.match(await page.locator('[data-role=query-error]').innerText(), message, term.slice(0, 40));
  }
  t.same(asked, [], 'no search reached the server');
  await page.close();
});

t.test('log pages: Rekor v1, the CT log and Rekor v2 checkpoints verify in the page', async (t) => {
  const page = await browser.newPage();
  for (const log of ['rekor-v1', 'ct', 'rekor-v2']) {
    await page.goto(`${stack.url}/ui/#/log/${log}`);
    await ready(page);
    await page.waitForSelector('#verdict', { timeout: 30_000 });
    t.equal(await page.locator('#verdict').getAttribute('data-status'), 'ok', `${log}: ${await page.locator('#verdict').innerText()}`);
    t.match(await page.locator('#verdict').innerText(), /checkpoint signature verified/);
    if (log === 'rekor-v1') t.match(await page.locator('[data-role=rate-chart] figcaption').innerText(), /entries per minute/);
    await page.screenshot({ path: join(shots, `log-${log}.png`), fullPage: true });
  }
  await page.close();
});
