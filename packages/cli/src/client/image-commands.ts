import { usage } from './cli-io.js';

export async function signCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function verifyCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function attestCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

export async function verifyAttestationCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

