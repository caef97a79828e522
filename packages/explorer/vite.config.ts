import { defineConfig } from 'vite';

// Static files served by the stack under /ui/ (server explorer-routes.ts): relative to
// that base, no CDN, no inline script (the server's CSP is default-src 'self').
export default defineConfig({
  base: '/ui/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, modulePreload: { polyfill: false } },
  logLevel: 'warn',
});
