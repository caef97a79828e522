import { createEphemeralSigner, type Signer } from '@sigstack/core';
import { createEd25519NoteSigner, createLog, leafHash, MemoryStore, signCheckpoint, type Log } from '@sigstack/merkle';

/** A small Ed25519-signed log for witness tests, with its C2SP verifier key. */
export interface TestLog {
  log: Log;
  key: Signer;
  origin: string;
  vkey: string;
  /** Appends `n` distinct leaves (prefix `tag`) and returns the new checkpoint. */
  grow(n: number, tag?: string): Promise<ReturnType<Log['checkpoint']>>;
  /** A checkpoint note the log's key signs for any size/root: how a fork is made. */
  forge(size: number, rootHash: Buffer): Promise<string>;
  close(): Promise<void>;
}

export async function createTestLog(origin = 'log.example/test', key: Signer = createEphemeralSigner('ed25519')): Promise<TestLog> {
  const noteSigner = createEd25519NoteSigner(origin, key);
  const log = await createLog({ store: new MemoryStore(), origin, noteSigner, maxBatchWaitMs: 0 });
  let counter = 0;
  return {
    log,
    key,
    origin,
    vkey: noteSigner.verifierKey,
    async grow(n, tag = 'leaf') {
      await Promise.all(
        Array.from({ length: n }, () => {
          const leaf = Buffer.from(`${tag}-${counter++}`);
          return log.add({ identity: leafHash(leaf), leaf });
        }),
      );
      return log.checkpoint();
    },
    forge: (size, rootHash) => signCheckpoint({ origin, size, rootHash }, [noteSigner]),
    close: () => log.close(),
  };
}
