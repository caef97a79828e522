#!/usr/bin/env node
// The log explorer's time to first verified entry (issue 14): Debian's Chromium
// (playwright-core), a live `sigstack up` with N Rekor v1 entries, and the time from
// navigation to the page showing "checkpoint signature verified" (inclusion proof,
// checkpoint and SET checked in the browser). Not a test: it prints figures for
// BENCHMARKS.md.
//
//   node scripts/bench/explorer.mjs [--entries 1000] [--rounds 10]
//
// Two paths, each measured cold (a new browser context: empty cache, trust root
// fetched again) and warm (the same page, navigated to the next entry):
//   entry:  /ui/#/entry/<uuid>           the entry page directly
//   search: /ui/#/search?q=sha256:<hex>  search by hash, click the result, verified
// Times are taken in the page (performance.now() from navigation start, sampled every
// animation frame) and from the driver (goto → verdict seen), median and max of the rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startStack } from './start-stack.mjs';
import { hashedrekordMaker } from './bodies.mjs';

const { values: opt } = parseArgs({ options: { entries: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '10' } } });
const N = Number(opt.entries);
const ROUNDS = Number(opt.rounds);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function post(url, path, body) {
  return new Promise((res, rej) => {
    const req = http.request(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
      let d = '';
      r.on('data', (c) => (d += c));
      r.on('end', () => (r.statusCode < 300 ? res(JSON.parse(d)) : rej(new Error(`${r.statusCode} ${d}`))));
    });
    req.on('error', rej);
    req.end(body);
  });
}

const dataDir = mkdtempSync(join(os.tmpdir(), 'sigstack-bench-explorer-'));
const { child, url } = await startStack(join(dataDir, 'data'));
let browser;
try {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const make = hashedrekordMaker('v1', key.privateKey, key.publicKey);
  const entries = [];
  for (let i = 0; i < N; i += 32) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(32, N - i) }, async () => {
        const body = make();
        const map = await post(url, '/api/v1/log/entries', body);
        const [uuid] = Object.keys(map);
        return { uuid, hash: JSON.parse(body).spec.data.hash.value };
      }),
    );
    entries.push(...batch);
  }
  // Spread over the log: proofs of different lengths and paths.
  const picks = Array.from({ length: ROUNDS }, (_, r) => entries[Math.floor(((r + 0.5) * entries.length) / ROUNDS)]);

  browser = await chromium.launch({ executablePath: process.env.SIGSTACK_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
  const verdict = (page) =>
    page.waitForFunction(
      () => {
        const v = document.querySelector('[data-check="checkpoint-signature"]');
        if (!v) return false;
        if (v.getAttribute('data-status') !== 'ok') throw new Error(`not verified: ${document.body.innerText.slice(0, 400)}`);
        return performance.now();
      },
      undefined,
      { polling: 'raf', timeout: 60_000 },
    );
  const results = { 'entry cold': [], 'entry warm': [], 'search cold': [], 'search warm': [] };
  async function measure(page, e, how, label, fresh) {
    const t0 = performance.now();
    const target = how === 'entry' ? `${url}/ui/#/entry/${e.uuid}` : `${url}/ui/#/search?q=sha256:${e.hash}`;
    // A hash change alone does not reload the page: a warm round keeps the document (and its loaded trust root).
    if (fresh) await page.goto(target);
    else await page.evaluate((t) => (location.hash = new URL(t).hash), target);
    const start = fresh ? 0 : await page.evaluate(() => performance.now());
    if (how === 'search') {
      await page.waitForSelector(`[data-role=result] a[href="#/entry/${e.uuid}"]`, { timeout: 60_000 });
      await page.click(`[data-role=result] a[href="#/entry/${e.uuid}"]`);
    }
    const inPage = (await (await verdict(page)).jsonValue()) - start;
    results[label].push({ inPage, driver: performance.now() - t0 });
  }
  for (const how of ['entry', 'search']) {
    for (const e of picks) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await measure(page, e, how, `${how} cold`, true);
      await ctx.close();
    }
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${url}/ui/`);
    await page.waitForSelector('#page[data-ready="true"]');
    for (const e of picks) await measure(page, e, how, `${how} warm`, false);
    await ctx.close();
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`explorer: ${N} entries in Rekor v1, ${ROUNDS} rounds per row, ${(await browser.version())} headless`);
  console.log('| path | in page, median | in page, max | driver (goto → verified), median |');
  console.log('|---|---:|---:|---:|');
  for (const [label, xs] of Object.entries(results))
    console.log(`| ${label} | ${med(xs.map((x) => x.inPage)).toFixed(0)} ms | ${Math.max(...xs.map((x) => x.inPage)).toFixed(0)} ms | ${med(xs.map((x) => x.driver)).toFixed(0)} ms |`);
} finally {
  await browser?.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
