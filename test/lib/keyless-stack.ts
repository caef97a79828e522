import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientEnv } from './client-env.js';
import { fulcioConfigFor, startTestIssuer, type TestIssuer } from './oidc-issuer.js';
import { startTestStack, type TestStack } from './test-stack.js';
import type { Teardown } from './temp-dir.js';

export interface KeylessStack {
  stack: TestStack;
  /** The identity provider for people (type email). */
  idp: TestIssuer;
  /** A CI identity provider (type ci-provider, github-workflow), when asked for. */
  ci?: TestIssuer;
  /** cosign 2.5's legacy trust: SIGSTORE_ROOT_FILE, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE, SIGSTORE_REKOR_PUBLIC_KEY. */
  env2: Record<string, string | undefined>;
  /** No SIGSTORE_* at all (cosign 3.1 takes --trusted-root / --signing-config or TUF). */
  env3: Record<string, string | undefined>;
}

/**
 * A stack trusting independent identity providers through a Fulcio config.json, as an
 * operator would configure Keycloak or GitLab (`--fulcio-config`), plus the client
 * environments the keyless tests need. `stackYaml` adds sigstack configuration.
 */
export async function startKeylessStack(t: Teardown, dir: string, opts: { ci?: boolean; stackYaml?: string } = {}): Promise<KeylessStack> {
  const [idp, ci] = await Promise.all([startTestIssuer(t), opts.ci ? startTestIssuer(t, { path: '/ci' }) : undefined]);
  const fulcioConfig = join(dir, 'fulcio-config.json');
  writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp, ci)));
  const args = ['--fulcio-config', fulcioConfig];
  if (opts.stackYaml) {
    const p = join(dir, 'sigstack.yaml');
    writeFileSync(p, opts.stackYaml);
    args.push('--config', p);
  }
  const stack = await startTestStack(t, { args });
  const env2 = clientEnv(dir, {
    SIGSTORE_ROOT_FILE: stack.fulcioChain,
    SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: stack.ctfePub,
    SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub,
  });
  return { stack, idp, ...(ci ? { ci } : {}), env2, env3: clientEnv(dir) };
}
