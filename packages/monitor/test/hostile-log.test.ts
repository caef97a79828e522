// A log that answers with garbage: every malformed answer is BAD_RESPONSE or
// BAD_SIGNATURE naming what was wrong, nothing is stored, and the monitor is not stuck.
import t from 'tap';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createEphemeralSigner, parseVerificationKey } from '@sigstack/core';
import { createAlertSink, createLogSource, LogMonitor, parseMonitorConfig, type Alert, type LogKind } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'monitor-hostile-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const key = parseVerificationKey(createEphemeralSigner().publicKey.export({ type: 'spki', format: 'pem' }).toString());
const watch = parseMonitorConfig('monitoredValues: {subjects: [x]}').monitoredValues;

const app = Fastify();
let body: unknown = '';
let type = 'application/json';
app.get('/*', async (_req, reply) => reply.type(type).send(body as string));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
t.teardown(() => app.close());

const cases: { kind: LogKind; body: unknown; type?: string; code: string; message: RegExp }[] = [
  { kind: 'rekor-v1', body: 'not json', code: 'BAD_RESPONSE', message: /not JSON/ },
  { kind: 'rekor-v1', body: '[1,2]', code: 'BAD_RESPONSE', message: /expected a JSON object/ },
  { kind: 'rekor-v1', body: '{"treeSize":1}', code: 'BAD_RESPONSE', message: /no signedTreeHead/ },
  { kind: 'rekor-v1', body: '{"signedTreeHead":"x\\n\\n— y abc\\n"}', code: 'BAD_SIGNATURE', message: /does not verify/ },
  { kind: 'tiles', body: 'origin\n1\nAAAA\n\n— k AAAAAA==\n', type: 'text/plain', code: 'BAD_SIGNATURE', message: /does not verify/ },
  { kind: 'tiles', body: 'x'.repeat(70_000), type: 'text/plain', code: 'BAD_RESPONSE', message: /larger than 65536 bytes/ },
  { kind: 'ct', body: '{"tree_size":-1,"timestamp":1,"sha256_root_hash":"","tree_head_signature":""}', code: 'BAD_RESPONSE', message: /not an STH/ },
  { kind: 'ct', body: '{"tree_size":1,"timestamp":1,"sha256_root_hash":"AAAA","tree_head_signature":""}', code: 'BAD_RESPONSE', message: /not 32 bytes/ },
  {
    kind: 'ct',
    body: JSON.stringify({ tree_size: 1, timestamp: 1, sha256_root_hash: Buffer.alloc(32).toString('base64'), tree_head_signature: Buffer.from([4, 3, 0, 2, 1, 2]).toString('base64') }),
    code: 'BAD_SIGNATURE',
    message: /tree head signature does not verify/,
  },
];

for (const c of cases) {
  t.test(`${c.kind}: ${JSON.stringify(c.body).slice(0, 50)} → ${c.code}`, async (t) => {
    body = c.body;
    type = c.type ?? 'application/json';
    const state = join(dir, `${c.kind}.json`);
    const alerts: Alert[] = [];
    const m = new LogMonitor({
      source: createLogSource(c.kind, c.kind === 'tiles' ? `${url}/tiles` : url, [key]),
      monitoredValues: watch,
      statePath: state,
      alerts: createAlertSink({ write: (l) => alerts.push(JSON.parse(l) as Alert) }),
    });
    if (c.code === 'BAD_SIGNATURE') {
      const r = await m.poll();
      t.match(alerts, [{ type: 'inconsistency', code: 'BAD_SIGNATURE', message: c.message }]);
      t.equal(r.verified, undefined);
    } else {
      await t.rejects(m.poll(), { code: c.code, message: c.message });
      t.same(alerts, [], 'no alert: the log could not be read, which is not evidence against it');
    }
    t.notOk(existsSync(state), 'nothing stored');
  });
}
