import { join } from 'node:path';
import { FileSigner } from '@sigstack/core';
import t from 'tap';
import { createEcdsaNoteSigner, leafHash, openLog, SqliteStore, verifyInclusion } from '../src/index.js';
import { tempDir } from './helpers/tmp.js';

// The README example, run as written (paths moved into a temporary directory).
t.test('README example', async (t) => {
  const data = tempDir(t);
  const signer = FileSigner.open({ path: join(data, 'rekor.key'), create: true });
  const store = SqliteStore.open(join(data, 'rekor.db'));
  store.db.exec('CREATE TABLE IF NOT EXISTS my_index (key TEXT, idx INTEGER)');
  const insert = store.db.prepare('INSERT INTO my_index (key, idx) VALUES (?, ?)');

  const log = await openLog({
    store,
    create: true,
    origin: 'rekor.example.com - 4242',
    noteSigner: createEcdsaNoteSigner('rekor.example.com', signer),
    onSequenced: (entries) => {
      for (const e of entries) insert.run(e.extra as string, e.index);
    },
  });

  const body = Buffer.from('{"kind":"hashedrekord",...}');
  const r = await log.add({ identity: leafHash(body), leaf: body, extra: 'sha256:abcd' });
  const proof = log.inclusionProof(r.index, r.checkpoint.size);
  verifyInclusion(leafHash(body), r.index, r.checkpoint.size, proof, r.checkpoint.rootHash);
  t.same(store.db.prepare('SELECT key, idx FROM my_index').all(), [{ key: 'sha256:abcd', idx: 0 }]);
  t.match(r.checkpoint.text, /^rekor\.example\.com - 4242\n1\n[A-Za-z0-9+/]{43}=\n\n— rekor\.example\.com [A-Za-z0-9+/]+=*\n$/);
  await log.close();
});
