import { attestBlobCommand, signBlobCommand, verifyBlobAttestationCommand, verifyBlobCommand } from './blob-commands.js';
import { runVerb } from './cli-io.js';
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

export function runClientVerb(name: ClientVerbName, args: string[]): Promise<void> {
  return runVerb(() => VERBS[name](args));
}
