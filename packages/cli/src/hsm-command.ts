import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { SigningAlgorithm } from '@sigstack/core';
import { generateTokenKey, Pkcs11Signer } from '@sigstack/pkcs11';
import { issueCertificationRequest } from '@sigstack/x509';
import { fail } from './fail.js';

// `sigstack hsm`: keys on a PKCS#11 token (README "Keys in an HSM"). The stack's
// config names each key by the URI `hsm generate` prints.

export const HSM_USAGE = `usage: sigstack hsm <command> --uri 'pkcs11:token=LABEL;object=KEY?module-path=MODULE&pin-source=file:PINFILE'

commands:
  generate  make a key pair on the token (private key sensitive, never extractable);
            prints the URI with the pair's id, and the public key (PEM)
            --algorithm ALG   ecdsa-p256-sha256 (default), ecdsa-p384-sha384 or ed25519
            --out FILE        also write the public key (PEM) to FILE
  pubkey    print the key's public key (PEM); --out FILE writes it instead
  check     find the key, sign a probe with it and verify the signature
            --algorithm ALG   also require this algorithm
  csr       a PKCS#10 certification request for the key, signed on the token (PEM), for
            an external CA to certify it (sigstack ca/tsa init --key certify it themselves)
            --organization O --common-name CN   the subject; --out FILE writes it

The PIN: pin-value=, pin-source=file:PATH, pin-source=env:VAR, or $SIGSTACK_PKCS11_PIN.
The module: module-path= or $SIGSTACK_PKCS11_MODULE.
`;

const ALGORITHMS: readonly SigningAlgorithm[] = ['ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'ed25519'];

export async function hsmCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(HSM_USAGE);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: { uri: { type: 'string' }, algorithm: { type: 'string' }, out: { type: 'string' }, organization: { type: 'string' }, 'common-name': { type: 'string' } },
    strict: true,
  });
  if (!values.uri) fail(`hsm ${sub}: --uri pkcs11:... is required`);
  const algorithm = values.algorithm as SigningAlgorithm | undefined;
  if (algorithm !== undefined && !ALGORITHMS.includes(algorithm)) fail(`--algorithm must be one of ${ALGORITHMS.join(', ')}, got ${algorithm}`);
  const pem = (der: Buffer) => `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PUBLIC KEY-----\n`;
  switch (sub) {
    case 'generate': {
      const g = generateTokenKey({ uri: values.uri, algorithm: algorithm ?? 'ecdsa-p256-sha256' });
      if (values.out) writeFileSync(values.out, pem(g.publicKeyDer));
      process.stdout.write(`generated ${g.algorithm} key id ${g.id.toString('hex')}\nuri: ${g.uri}\n${pem(g.publicKeyDer)}`);
      return;
    }
    case 'csr': {
      if (values['common-name'] === undefined) fail('hsm csr: --common-name is required');
      const signer = await Pkcs11Signer.open({ uri: values.uri, ...(algorithm ? { algorithm } : {}), sessions: 1 });
      try {
        const der = await issueCertificationRequest({
          subject: { ...(values.organization !== undefined ? { organization: values.organization } : {}), commonName: values['common-name'] },
          signer,
        });
        const csr = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE REQUEST-----\n`;
        if (values.out) writeFileSync(values.out, csr);
        else process.stdout.write(csr);
      } finally {
        signer.close();
      }
      return;
    }
    case 'pubkey':
    case 'check': {
      const signer = await Pkcs11Signer.open({ uri: values.uri, ...(algorithm ? { algorithm } : {}), sessions: 1 });
      try {
        if (sub === 'pubkey') {
          if (values.out) writeFileSync(values.out, pem(signer.publicKeyDer));
          else process.stdout.write(pem(signer.publicKeyDer));
        } else {
          // Pkcs11Signer.open has signed a probe and verified it with the public key object.
          const fp = createHash('sha256').update(signer.publicKeyDer).digest('hex');
          process.stdout.write(`ok: ${signer.algorithm} key ${signer.uri}\n  signs, and its public key verifies (SPKI SHA-256 ${fp})\n`);
        }
      } finally {
        signer.close();
      }
      return;
    }
    default:
      fail(`unknown hsm command "${sub}"\n\n${HSM_USAGE}`);
  }
}
