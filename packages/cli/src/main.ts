import { isSigstackError } from '@sigstack/core';
import { fail } from './fail.js';
import { isClientVerb } from './client/verb-names.js';

// Every command's module is loaded only when it runs: the client verbs never load
// fastify, the CA or the log engine (bin/sigstack.js even sends them straight to the
// client bundle).

const USAGE = `usage: sigstack <command> [flags]

commands:
  up        start the stack (transparency log, timestamp authority, ...) on one origin
            --data-dir DIR    keys, logs and trust material (default ./.sigstack)
            --host HOST       listen address (default 127.0.0.1)
            --port PORT       listen port (default 3000; 0 picks a free one)
            --public-url URL  the URL clients use (default http://HOST:PORT)
            --config FILE     YAML or JSON configuration file
            --fulcio-config FILE  Fulcio's own config.json (OIDCIssuers, MetaIssuers, CIIssuerMetadata)
            --log-level LVL   pino level (default info)
  dev-token print an identity token from the development issuer of a running stack
            --email ADDRESS             a person's token (issuer <url>/oidc)
            --github-workflow           a CI token with GitHub Actions claims (issuer <url>/oidc/ci)
              --repository OWNER/REPO --workflow PATH --ref REF --sha SHA --event NAME
            --data-dir DIR    the stack's data directory (default ./.sigstack)
            --ttl SECONDS     token lifetime (default 600)
            --out FILE        write the token to FILE (no newline: cosign --identity-token FILE)
  ca init   create the CA hierarchy (root + intermediate) for production, once
            --dir DIR         the CA directory (default <data-dir>/fulcio: ./.sigstack/fulcio)
            --algorithm ALG   ecdsa-p256-sha256 (default) or ecdsa-p384-sha384
            --organization O --common-name CN   the root's subject (default sigstack / sigstack)
            then move DIR/keys/fulcio-root.pem offline: the CA runs without it
            --key pkcs11:...  the intermediate key on an HSM (made with sigstack hsm generate), not a file
  tsa init  create the timestamp authority's chain (root + leaf) for production, once
            --dir DIR         the TSA directory (default ./.sigstack/tsa); then move keys/tsa-root.pem offline
            --key pkcs11:...  the leaf (signing) key on an HSM, not a file
  tsa rotate, ca rotate  a new TSA leaf / CA intermediate under the root, while the stack runs
            --data-dir DIR    the stack's data directory; it is signalled (SIGHUP) and adopts the key
            --root-key FILE   the root key from offline storage (default DIR/<service>/keys)
  hsm       keys on a PKCS#11 token: generate, pubkey, check, csr (sigstack hsm help)
  tuf       the TUF ceremony: sigstack tuf help
  trust     air-gapped sites: trust export --out FILE; trust import FILE --root ROOT.json --dir DIR (sigstack trust help)
  witness   run a C2SP tlog-witness that cosigns a log's checkpoints: sigstack witness --help
            --data-dir DIR --log 'ORIGIN VKEY' --listen HOST:PORT; "sigstack witness key" prints its key
  monitor   follow a transparency log: verify its checkpoints, alert on watched identities
            --url URL --kind rekor-v1|tiles|ct --config FILE [--once] [--state FILE]; sigstack monitor --help
  help      this text

client commands (cosign's names and flags; sigstack <command> --help for each):
  generate-key-pair, public-key            keys in cosign's encrypted format
  sign-blob, verify-blob                   Sigstore bundles for files
  attest-blob, verify-blob-attestation     in-toto attestations for files
  sign, verify                             container images in an OCI registry
  attest, verify-attestation               attestations (SBOM, provenance) for images
  initialize                               trust from a TUF mirror (--mirror, --root)
`;

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (isClientVerb(cmd)) return (await import('./client/verbs.js')).runClientVerb(cmd, rest);
  try {
    switch (cmd) {
      case 'up':
        return await (await import('./stack-commands.js')).up(rest);
      case 'dev-token':
        return (await import('./stack-commands.js')).devToken(rest);
      case 'tuf':
        return await (await import('./tuf-command.js')).tufCommand(rest);
      case 'trust':
        return await (await import('./trust-command.js')).trustCommand(rest);
      case 'ca':
        return await (await import('./stack-commands.js')).caCommand(rest);
      case 'tsa':
        return await (await import('./stack-commands.js')).tsaCommand(rest);
      case 'hsm':
        return await (await import('./hsm-command.js')).hsmCommand(rest);
      case 'witness':
        return await (await import('./witness-command.js')).witnessCommand(rest);
      case 'monitor':
        return await (await import('./monitor-command.js')).monitorCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return;
      default:
        fail(`unknown command "${cmd}"\n\n${USAGE}`);
    }
  } catch (e) {
    if (isSigstackError(e)) fail(`${e.message}`);
    throw e;
  }
}
