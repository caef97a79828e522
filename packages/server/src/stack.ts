import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileSigner, systemClock, sha256, toPem, type Clock } from '@sigstack/core';
import { openRekor, type RekorInstance } from '@sigstack/rekor';
import { openTimestampAuthority, type TimestampAuthority } from '@sigstack/tsa';
import { buildApp } from './build-app.js';
import { publicUrlOf, type KeyConfig, type StackConfig } from './config.js';
import { KeyValidity } from './trust/key-validity.js';
import { createTrustedRoot, keyDetailsOf, rfc3339, type TrustedRootJson } from './trust/trusted-root.js';

export interface Stack {
  app: FastifyInstance;
  config: StackConfig;
  /** The URL clients use (known once listening). */
  url: string;
  /** `<dataDir>/trust`: rekor.pub, trusted_root.json, ... */
  trustDir: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface OpenStackOptions {
  clock?: Clock;
  logStream?: NodeJS.WritableStream;
}

/**
 * Opens every enabled service over `config.dataDir` (generating development keys
 * on first start when `development` is set), and builds the app. Call listen()
 * to serve; it writes the trust material once the public URL is known.
 */
export async function openStack(config: StackConfig, opts: OpenStackOptions = {}): Promise<Stack> {
  const clock = opts.clock ?? systemClock;
  const dataDir = config.dataDir;
  const trustDir = join(dataDir, 'trust');
  mkdirSync(trustDir, { recursive: true });
  const validity = new KeyValidity(join(dataDir, 'trust', 'key-validity.json'));
  // The checkpoint origin must be known before the log opens; with port 0 it is the
  // configured host, which is all the origin carries anyway.
  const provisionalUrl = publicUrlOf(config, config.port);

  let rekor: RekorInstance | undefined;
  let rekorSigner: FileSigner | undefined;
  let tsa: TimestampAuthority | undefined;
  const closers: (() => Promise<void>)[] = [];
  try {
    if (config.rekor.enabled) {
      rekorSigner = openKey(dataDir, config.rekor.key, config.development);
      rekor = await openRekor({
        path: join(dataDir, 'rekor', 'log.db'),
        signer: rekorSigner,
        hostname: config.rekor.hostname ?? new URL(provisionalUrl).hostname,
        clock,
        maxBatchSize: config.rekor.maxBatchSize,
        maxBatchWaitMs: config.rekor.maxBatchWaitMs,
        maxPending: config.rekor.maxPending,
      });
      closers.push(() => rekor!.close());
    }
    if (config.tsa.enabled) {
      // Development: a TSA root + leaf made on first start in <dataDir>/tsa (keys via FileSigner).
      tsa = await openTimestampAuthority({
        dir: join(dataDir, 'tsa'),
        clock,
        ...(config.tsa.policyOid ? { policyOid: config.tsa.policyOid } : {}),
      });
    }
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    throw e;
  }

  const app = await buildApp({
    logLevel: config.logLevel,
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
    services: {
      ...(rekor ? { rekor: { service: rekor.service, bodyLimit: config.rekor.bodyLimit } } : {}),
      ...(tsa ? { tsa: { service: tsa, bodyLimit: config.tsa.bodyLimit } } : {}),
    },
  });
  // Fastify first stops accepting and lets in-flight requests finish (their entries
  // are still sequenced), then closes the services: the sequencer drains last.
  app.addHook('onClose', async () => {
    for (const c of closers.reverse()) await c();
  });

  const stack: Stack = {
    app,
    config,
    url: provisionalUrl,
    trustDir,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      stack.url = publicUrlOf(config, port);
      writeTrustMaterial();
      return stack.url;
    },
    close: () => app.close(),
  };

  function writeTrustMaterial(): void {
    const now = clock.now();
    const parts: Parameters<typeof createTrustedRoot>[0] = { tlogs: [] };
    if (rekor && rekorSigner) {
      const logId = sha256(rekorSigner.publicKeyDer);
      writeAtomic(join(trustDir, 'rekor.pub'), toPem('PUBLIC KEY', rekorSigner.publicKeyDer));
      parts.tlogs!.push({
        baseUrl: stack.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: rekorSigner.publicKeyDer.toString('base64'),
          keyDetails: keyDetailsOf(rekorSigner.algorithm),
          validFor: { start: rfc3339(validity.startOf(logId.toString('hex'), now)) },
        },
        logId: { keyId: logId.toString('base64') },
      });
    }
    if (tsa) {
      // Chain leaf first (sigstore-js matches the signer against certificates[0]).
      writeAtomic(join(trustDir, 'tsa_chain.pem'), tsa.chainPem);
      parts.timestampAuthorities = [tsa.trustedRootEntry(`${stack.url}/api/v1/timestamp`)];
    }
    const root: TrustedRootJson = createTrustedRoot(parts);
    writeAtomic(join(trustDir, 'trusted_root.json'), JSON.stringify(root, null, 2) + '\n');
  }

  return stack;
}

function openKey(dataDir: string, key: KeyConfig, development: boolean): FileSigner {
  const path = isAbsolute(key.path) ? key.path : join(dataDir, key.path);
  return FileSigner.open({
    path,
    create: development,
    algorithm: 'ecdsa-p256-sha256',
    ...(key.passphraseEnv ? { passphrase: process.env[key.passphraseEnv] ?? '' } : {}),
  });
}

function writeAtomic(path: string, data: string): void {
  writeFileSync(path + '.tmp', data);
  renameSync(path + '.tmp', path);
}
