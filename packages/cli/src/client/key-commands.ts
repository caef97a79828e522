import { usage } from './cli-io.js';

export async function generateKeyPairCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function publicKeyCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

