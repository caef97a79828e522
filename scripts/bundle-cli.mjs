// Bundles the client verbs of the `sigstack` command (packages/cli/dist/client/verbs.js
// and everything it imports) into packages/cli/dist/client-bundle/: a process that
// verifies one bundle spends most of its life resolving and compiling hundreds of
// modules otherwise. Modules the verbs load on demand (the signing services, TUF,
// interactive sign-in) stay in chunks of their own. Runs after `tsc -b` (pnpm build).
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const final = `${root}packages/cli/dist/client-bundle`;
// Built aside, then swapped in: a `sigstack` started during a rebuild finds the old bundle or the new one.
const outdir = `${final}.tmp-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { verbs: `${root}packages/cli/dist/client/verbs.js` },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  outdir,
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies (sigstore-js) call require() for node's own modules.
  banner: { js: "import { createRequire as __sigstackRequire } from 'node:module'; const require = __sigstackRequire(import.meta.url);" },
  // Loaded from node_modules on `--key pkcs11:` only: it loads the native pkcs11js addon
  // by require() from its own directory, which a bundled copy would not find.
  external: ['@sigstack/pkcs11'],
  logLevel: 'warning',
});
rmSync(`${final}.old`, { recursive: true, force: true });
try {
  renameSync(final, `${final}.old`);
} catch {
  // first build
}
renameSync(outdir, final);
rmSync(`${final}.old`, { recursive: true, force: true });
