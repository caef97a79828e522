import { attestBlobCommand, signBlobCommand, verifyBlobAttestationCommand, verifyBlobCommand } from './blob-commands.js';
import { runVerb } from './cli-io.js';
import { describeFlags, HelpRequested } from './cosign-flags.js';
import { attestCommand, signCommand, verifyAttestationCommand, verifyCommand } from './image-commands.js';
import { generateKeyPairCommand, publicKeyCommand } from './key-commands.js';
import { initializeCommand } from './trust-commands.js';
import type { ClientVerbName } from './verb-names.js';

/**
 * The client verbs, named and flagged as cosign's so a pipeline swaps `cosign` for
 * `sigstack`. This module is the entry of the client bundle (scripts/bundle-cli.mjs):
 * one file to load instead of hundreds, so `sigstack verify-blob` starts about as fast
 * as a Go binary that has to read a trusted root.
 */
const VERBS: Record<ClientVerbName, (args: string[]) => Promise<void>> = {
  'generate-key-pair': generateKeyPairCommand,
  'public-key': publicKeyCommand,
  'sign-blob': signBlobCommand,
  'verify-blob': verifyBlobCommand,
  'attest-blob': attestBlobCommand,
  'verify-blob-attestation': verifyBlobAttestationCommand,
  sign: signCommand,
  verify: verifyCommand,
  attest: attestCommand,
  'verify-attestation': verifyAttestationCommand,
  initialize: initializeCommand,
};

export async function runClientVerb(name: ClientVerbName, args: string[]): Promise<void> {
  try {
    await VERBS[name](args);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`usage: sigstack ${name} [flags]${ARGS[name] ? ' ' + ARGS[name] : ''}\n(cosign's verb and flags; see packages/cli/README.md)\n\nflags:\n${describeFlags(e.spec)}\n`);
      return;
    }
    return runVerb(() => {
      throw e;
    });
  }
}

const ARGS: Partial<Record<ClientVerbName, string>> = {
  'sign-blob': 'FILE',
  'verify-blob': 'FILE|sha256:HEX',
  'attest-blob': 'FILE',
  'verify-blob-attestation': 'FILE|sha256:HEX',
  sign: 'IMAGE...',
  verify: 'IMAGE...',
  attest: 'IMAGE...',
  'verify-attestation': 'IMAGE...',
};
