#!/usr/bin/env node
// Before anything loads the HTTP clients (npm's agent reads the proxy variables once, at
// load time): loopback is never proxied, as with Go's net/http, so cosign's users with a
// corporate HTTP(S)_PROXY reach a stack on 127.0.0.1 with sigstack just as with cosign.
const { neverProxyLoopback } = await import('../dist/client/proxy-env.js');
neverProxyLoopback(process.env);
const [cmd, ...args] = process.argv.slice(2);
const { isClientVerb } = await import('../dist/client/verb-names.js');
if (isClientVerb(cmd)) {
  // The client verbs run from one bundled file (scripts/bundle-cli.mjs, part of the build).
  const { runClientVerb } = await import('../dist/client-bundle/verbs.mjs');
  await runClientVerb(cmd, args);
} else {
  const { main } = await import('../dist/main.js');
  await main(process.argv.slice(2));
}
