import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { Teardown } from './temp-dir.js';

/** Debian's Chromium (scripts/install-chromium.sh installs it; the tests never download a browser). */
export const CHROMIUM = process.env.SIGSTACK_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The flags this machine needs: root (no sandbox), no GPU, and no background
 * connections (the closed network refuses them, many at a time, at every start).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A real Chromium with a fresh profile, closed and removed when the test ends. Throws
 * (the test fails, it does not skip) when Chromium is not installed.
 */
export async function launchChromium(t: Teardown): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run "bash scripts/install-chromium.sh" (apt-get install chromium) before the browser tests`);
  const profile = mkdtempSync(join(tmpdir(), 'sigstack-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  });
  t.teardown(async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}
