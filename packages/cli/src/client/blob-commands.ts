import { usage } from './cli-io.js';

export async function signBlobCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function verifyBlobCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function attestBlobCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function verifyBlobAttestationCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

