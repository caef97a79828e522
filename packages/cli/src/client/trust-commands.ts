import { usage } from './cli-io.js';

export async function initializeCommand(_args: string[]): Promise<void> {
  usage('not implemented yet');
}

