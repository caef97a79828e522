import { join } from 'node:path';
import { runOk } from './run.js';

export interface CosignKeyPair {
  /** cosign.key: encrypted-PEM ECDSA P-256 private key (password ''). */
  key: string;
  /** cosign.pub: PEM public key. */
  pub: string;
}

/** `cosign generate-key-pair` into `dir` with the empty password (env must carry COSIGN_PASSWORD=''). */
export async function generateCosignKeyPair(cosign: string, dir: string, env: Record<string, string | undefined>, prefix = 'cosign'): Promise<CosignKeyPair> {
  await runOk(cosign, ['generate-key-pair', '--output-key-prefix', join(dir, prefix)], { env, cwd: dir });
  return { key: join(dir, `${prefix}.key`), pub: join(dir, `${prefix}.pub`) };
}
