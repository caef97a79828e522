import { runClientOk } from './client-run.js';
import { peer } from './peers.js';
import type { RunResult } from './run.js';
import type { TestStack } from './test-stack.js';

/** How a command is run: runClientOk (the default), runClient or runClientFails. */
type Runner = (cmd: string, args: string[], opts: { env: Record<string, string | undefined> }) => Promise<RunResult>;

/**
 * cosign 3.1 blob signing and verification the way its users run it against a private
 * stack: services from the stack's signing config, trust from its trusted root (never an
 * insecure flag). One place for the flags the interop tests would otherwise each spell.
 */
export function cosign3Blob(stack: Pick<TestStack, 'signingConfig' | 'trustedRoot'>, env: Record<string, string | undefined>, cosign = peer('cosign3')) {
  const trust = ['--trusted-root', stack.trustedRoot];
  return {
    /** `sign-blob` keyless: the identity token in `tokenPath` (see tokenFile), the bundle to `bundle`. */
    signKeyless: (tokenPath: string, bundle: string, artifact: string): Promise<RunResult> =>
      runClientOk(cosign, ['sign-blob', '--signing-config', stack.signingConfig, ...trust, '--identity-token', tokenPath, '--bundle', bundle, '--yes', artifact], { env }),
    /** `sign-blob --key` (a cosign key pair, see generateCosignKeyPair). */
    signWithKey: (key: string, bundle: string, artifact: string): Promise<RunResult> =>
      runClientOk(cosign, ['sign-blob', '--key', key, '--signing-config', stack.signingConfig, ...trust, '--bundle', bundle, '--yes', artifact], { env }),
    /** `verify-blob` of a keyless bundle for `identity` from `issuer`; `run` decides what exit is expected. */
    verify: (bundle: string, identity: string, issuer: string, artifact: string, run: Runner = runClientOk): Promise<RunResult> =>
      run(cosign, ['verify-blob', '--bundle', bundle, ...trust, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, artifact], { env }),
    /** `verify-blob --key` with the public key `pub`. */
    verifyWithKey: (pub: string, bundle: string, artifact: string): Promise<RunResult> =>
      runClientOk(cosign, ['verify-blob', '--key', pub, '--bundle', bundle, ...trust, artifact], { env }),
  };
}
