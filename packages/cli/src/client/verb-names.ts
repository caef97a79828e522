/** The client verbs (cosign's names). Kept apart so the `sigstack` launcher can dispatch without loading them. */
export const CLIENT_VERB_NAMES = [
  'generate-key-pair',
  'public-key',
  'sign-blob',
  'verify-blob',
  'attest-blob',
  'verify-blob-attestation',
  'sign',
  'verify',
  'attest',
  'verify-attestation',
  'initialize',
] as const;

export type ClientVerbName = (typeof CLIENT_VERB_NAMES)[number];

export function isClientVerb(name: string | undefined): name is ClientVerbName {
  return (CLIENT_VERB_NAMES as readonly string[]).includes(name ?? '');
}
