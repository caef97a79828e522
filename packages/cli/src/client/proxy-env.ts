/**
 * Go's net/http never sends requests for loopback hosts through HTTP(S)_PROXY, so a
 * pipeline with a corporate proxy still reaches a stack on 127.0.0.1 with cosign. The
 * HTTP clients under sigstore-js do proxy them unless NO_PROXY says otherwise: say it.
 */
export function neverProxyLoopback(env: NodeJS.ProcessEnv): void {
  const loopback = ['localhost', '127.0.0.1', '::1', '[::1]'];
  for (const name of ['NO_PROXY', 'no_proxy']) {
    const current = (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (current.includes('*')) continue;
    env[name] = [...current, ...loopback.filter((h) => !current.includes(h))].join(',');
  }
}
