// A fake transparency log for the monitor's tests, served by fastify in the three
// dialects the monitor reads (Rekor v1 REST, C2SP tlog-tiles, RFC 6962 CT). Its tree is
// computed from a list of leaves with merkle's ProofBuilder; tests swap the leaves (a
// fork), shrink them (a rollback) or the key (a bad signature) between polls.
import Fastify, { type FastifyInstance } from 'fastify';
import { createEphemeralSigner, type Signer } from '@sigstack/core';
import { encodeTreeHeadInput } from '@sigstack/ctlog';
import {
  createEcdsaNoteSigner,
  encodeEntryBundle,
  leafHash,
  nodeHash,
  parseTilePath,
  ProofBuilder,
  signCheckpoint,
  TILE_WIDTH,
  type NodeSource,
} from '@sigstack/merkle';

export interface FakeLog {
  url: string;
  /** The log's key (what the monitor trusts). */
  signer: Signer;
  publicKeyPem: string;
  /** The leaves served; the checkpoint covers all of them. */
  leaves: Buffer[];
  /** Signs with this key instead (a bad signature). */
  signWith?: Signer;
  /** Serve these as the entries instead of the tree's leaves (entries that are not the log's). */
  servedEntries?: Buffer[];
  /** Tiles only: leaves already in the tiles but not yet in a checkpoint, and partial tiles deleted once full (as C2SP allows). */
  ahead?: Buffer[];
  deletePartials?: boolean;
  close(): Promise<void>;
}

export const FAKE_ORIGIN = 'fake.example/log';

/** Subtree hashes computed from leaf hashes (memoised per leaves array). */
function nodeSource(leaves: Buffer[]): NodeSource {
  const hashes = leaves.map((l) => leafHash(l));
  const memo = new Map<string, Buffer>();
  const node = (level: number, index: number): Buffer => {
    if (level === 0) return hashes[index]!;
    const k = `${level}/${index}`;
    let h = memo.get(k);
    if (!h) {
      h = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      memo.set(k, h);
    }
    return h;
  };
  return { node };
}

export async function startFakeLog(leaves: Buffer[]): Promise<FakeLog> {
  const signer = createEphemeralSigner('ecdsa-p256-sha256');
  const app: FastifyInstance = Fastify();
  const log: FakeLog = {
    url: '',
    signer,
    publicKeyPem: signer.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    leaves,
    close: () => app.close(),
  };
  const tree = () => {
    const b = new ProofBuilder(nodeSource(log.leaves));
    return { b, size: log.leaves.length, root: b.rootAt(log.leaves.length) };
  };
  const checkpoint = async () => {
    const { size, root } = tree();
    return signCheckpoint({ origin: FAKE_ORIGIN, size, rootHash: root }, [createEcdsaNoteSigner('fake.example', log.signWith ?? signer)]);
  };

  // Rekor v1
  app.get('/api/v1/log', async () => {
    const { size, root } = tree();
    return { rootHash: root.toString('hex'), treeSize: size, signedTreeHead: await checkpoint(), treeID: '1', inactiveShards: [] };
  });
  app.get<{ Querystring: { firstSize: string; lastSize: string } }>('/api/v1/log/proof', async (req) => {
    const { b } = tree();
    return { rootHash: tree().root.toString('hex'), hashes: b.consistency(Number(req.query.firstSize), Number(req.query.lastSize)).map((h) => h.toString('hex')) };
  });
  app.get<{ Querystring: { logIndex: string } }>('/api/v1/log/entries', async (req, reply) => {
    const i = Number(req.query.logIndex);
    const leaf = (log.servedEntries ?? log.leaves)[i];
    if (!leaf) return reply.code(404).send({ code: 404, message: 'no entry' });
    return { [leafHash(leaf).toString('hex')]: { body: leaf.toString('base64'), logIndex: i, integratedTime: 1 } };
  });

  // C2SP tlog-tiles under /tiles
  app.get('/tiles/checkpoint', async (_req, reply) => reply.type('text/plain').send(await checkpoint()));
  app.get('/tiles/*', async (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const c = parseTilePath(path);
    const all = [...log.leaves, ...(log.ahead ?? [])];
    const size = all.length;
    const width = c.width ?? TILE_WIDTH;
    if (log.deletePartials && c.width !== undefined && (c.index + 1) * TILE_WIDTH * 2 ** (8 * (c.kind === 'entries' ? 0 : c.level)) <= size)
      return reply.code(404).send({ code: 404, message: 'partial tile deleted: the full one exists' });
    if (c.kind === 'entries') {
      const entries = [...(log.servedEntries ?? log.leaves), ...(log.ahead ?? [])];
      return reply.send(encodeEntryBundle(entries.slice(c.index * TILE_WIDTH, c.index * TILE_WIDTH + width)));
    }
    const src = nodeSource(all);
    const out: Buffer[] = [];
    for (let i = 0; i < width; i++) {
      const idx = c.index * TILE_WIDTH + i;
      if ((idx + 1) * 2 ** (8 * c.level) > size) return reply.code(404).send({ code: 404, message: 'beyond the tree' });
      out.push(src.node(8 * c.level, idx));
    }
    return reply.send(Buffer.concat(out));
  });

  // RFC 6962 CT under /ct
  app.get('/ct/ct/v1/get-sth', async () => {
    const { size, root } = tree();
    const timestamp = 1_700_000_000_000 + size;
    const sig = await (log.signWith ?? signer).sign(encodeTreeHeadInput(timestamp, size, root));
    const ds = Buffer.concat([Buffer.from([4, 3, sig.length >> 8, sig.length & 0xff]), sig]);
    return { tree_size: size, timestamp, sha256_root_hash: root.toString('base64'), tree_head_signature: ds.toString('base64') };
  });
  app.get<{ Querystring: { first: string; second: string } }>('/ct/ct/v1/get-sth-consistency', async (req) => ({
    consistency: tree().b.consistency(Number(req.query.first), Number(req.query.second)).map((h) => h.toString('base64')),
  }));
  app.get<{ Querystring: { start: string; end: string } }>('/ct/ct/v1/get-entries', async (req) => ({
    entries: (log.servedEntries ?? log.leaves).slice(Number(req.query.start), Math.min(Number(req.query.end) + 1, Number(req.query.start) + 100)).map((l) => ({ leaf_input: l.toString('base64'), extra_data: '' })),
  }));

  log.url = await app.listen({ host: '127.0.0.1', port: 0 });
  return log;
}

/** `n` distinct JSON leaves (Rekor-like bodies without identities). */
export function plainLeaves(n: number, tag = 'a'): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ kind: 'test', n: i, tag })));
}
