import { FulcioError } from '@sigstack/fulcio';
import {
  createIdentityVerifier,
  devFulcioIssuers,
  parseFulcioConfig,
  readFulcioConfigFile,
  type IdentityVerifier,
  type OidcIdentityVerifier,
} from '@sigstack/oidc';
import type { Clock } from '@sigstack/core';
import type { StackConfig } from '../config.js';

type IdentityConfig = ReturnType<typeof parseFulcioConfig>;

/**
 * Step 2 of a start: which identity providers the CA trusts. Fulcio's own config.json
 * (read and checked when the binding is made, so a bad file stops the start, not the
 * first request), plus the development issuers of this origin, known once the URL
 * is (the operator's entry wins if it names the same URL).
 *
 * The CA is built before the binding; `verifier` is what it holds, and it refuses with
 * CA_UNAVAILABLE (503) until `bind` has run. The stack's readiness gate answers every
 * request 503 until then anyway: this is the second line.
 */
export interface IdentityBinding {
  verifier: IdentityVerifier;
  /** The operator's Fulcio config, parsed: call before opening anything. */
  check(): void;
  /** Binds the providers for `url`; returns the configuration (for GET /api/v2/configuration). */
  bind(url: string): IdentityConfig;
  /** The bound configuration, if any. */
  current(): IdentityConfig | undefined;
  close(): Promise<void>;
}

export function createIdentityBinding(config: StackConfig, clock: Clock): IdentityBinding {
  const devIssuer = config.fulcio.enabled && config.development && config.fulcio.devIssuer;
  const operatorRaw = config.fulcio.enabled && config.fulcio.configFile ? readFulcioConfigFile(config.fulcio.configFile) : undefined;
  let bound: { config: IdentityConfig; verifier: OidcIdentityVerifier } | undefined;
  return {
    verifier: {
      verify: (token) => {
        if (!bound) throw new FulcioError('CA_UNAVAILABLE', 'the CA is starting: no identity provider is bound yet');
        return bound.verifier.verify(token);
      },
    },
    check() {
      if (operatorRaw) parseFulcioConfig(operatorRaw);
    },
    bind(url) {
      const operator = operatorRaw ? parseFulcioConfig(operatorRaw) : undefined;
      const dev = devIssuer ? parseFulcioConfig({ OIDCIssuers: devFulcioIssuers(url) }) : undefined;
      const merged = dev && operator ? { ...operator, oidcIssuers: new Map([...dev.oidcIssuers, ...operator.oidcIssuers]) } : (operator ?? dev);
      if (!merged) throw new Error('the CA trusts no identity provider: give fulcio.configFile (or run with development defaults)');
      bound?.verifier.close();
      bound = { config: merged, verifier: createIdentityVerifier(merged, { clock }) };
      return merged;
    },
    current: () => bound?.config,
    async close() {
      bound?.verifier.close();
    },
  };
}
