import { sha256, type VerificationKey } from '@sigstack/core';

/**
 * `SHA256:<unpadded base64 of SHA-256(SSH wire-format public key)>`, i.e.
 * ssh.FingerprintSHA256(ssh.NewPublicKey(key)) from golang.org/x/crypto/ssh.
 *
 * go-securesystemslib's DSSE verifier uses this as a verifier's key ID when the
 * verifier names none and exposes its public key (sigstore's dsse.WrapVerifier, which
 * intoto 0.0.1 uses). An envelope signature whose `keyid` is non-empty and differs
 * from it is then skipped.
 *
 * Wire formats (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4):
 *   ssh-rsa:              string "ssh-rsa", mpint e, mpint n
 *   ecdsa-sha2-nistpNNN:  string "ecdsa-sha2-nistpNNN", string "nistpNNN", string Q (uncompressed)
 *   ssh-ed25519:          string "ssh-ed25519", string key (32 bytes)
 */
export function sshSha256Fingerprint(vk: VerificationKey): string {
  return `SHA256:${sha256(sshWireFormat(vk)).toString('base64').replace(/=+$/, '')}`;
}

function sshWireFormat(vk: VerificationKey): Buffer {
  switch (vk.kind) {
    case 'ed25519':
      return Buffer.concat([sshString('ssh-ed25519'), sshString(vk.spkiDer.subarray(vk.spkiDer.length - 32))]);
    case 'ecdsa-p256':
    case 'ecdsa-p384':
    case 'ecdsa-p521': {
      const curve = { 'ecdsa-p256': 'nistp256', 'ecdsa-p384': 'nistp384', 'ecdsa-p521': 'nistp521' }[vk.kind];
      const pointLength = { 'ecdsa-p256': 65, 'ecdsa-p384': 97, 'ecdsa-p521': 133 }[vk.kind];
      const point = vk.spkiDer.subarray(vk.spkiDer.length - pointLength);
      return Buffer.concat([sshString(`ecdsa-sha2-${curve}`), sshString(curve), sshString(point)]);
    }
    case 'rsa': {
      const jwk = vk.key.export({ format: 'jwk' });
      return Buffer.concat([sshString('ssh-rsa'), sshMpint(Buffer.from(jwk.e!, 'base64url')), sshMpint(Buffer.from(jwk.n!, 'base64url'))]);
    }
  }
}

function sshString(s: string | Uint8Array): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** A positive integer as an SSH mpint: minimal big-endian, with a 0x00 prefix if the top bit is set. */
function sshMpint(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  let b = magnitude.subarray(i);
  if (b.length > 0 && b[0]! & 0x80) b = Buffer.concat([Buffer.of(0), b]);
  return sshString(b);
}
