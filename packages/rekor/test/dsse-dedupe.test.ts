// Issue 10 finding: "a DSSE envelope with an unknown field or duplicate keys is logged
// again as a new entry". Upstream Rekor's dsse 0.0.1 (pkg/types/dsse/v0.0.1/entry.go,
// Unmarshal) decodes the proposal into its model (unknown members of spec and
// proposedContent are dropped; a duplicated key keeps its last value) and logs
// envelopeHash = SHA-256 of the envelope string *exactly as submitted*. So:
// - the same envelope proposed with extra or duplicated members around it has the same
//   canonical body: 409 with the existing entry, as upstream;
// - a different envelope string (an extra field, a duplicated key, other whitespace
//   inside it) is a different envelopeHash, hence a different entry, as upstream: the
//   hash is what clients recompute from the envelope they hold, so it cannot be taken
//   over a re-serialisation.
import t from 'tap';
import { generateKeyPairSync, sign } from 'node:crypto';
import { openV1App } from './v1-app.js';

const app = await openV1App(t);

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const payloadType = 'application/vnd.in-toto+json';
const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://example.com/p', predicate: {} }));
const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
const sig = sign('sha256', pae, key.privateKey).toString('base64');
const envelope = JSON.stringify({ payloadType, payload: payload.toString('base64'), signatures: [{ keyid: '', sig }] });
const verifiers = [Buffer.from(publicPem).toString('base64')];

const post = (body: string) => app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: body, headers: { 'content-type': 'application/json' } });
const proposal = (env: string, extra = '') =>
  `{"apiVersion":"0.0.1","kind":"dsse","spec":{"proposedContent":{"envelope":${JSON.stringify(env)},"verifiers":${JSON.stringify(verifiers)}${extra}}}}`;

t.test('extra or duplicated members around the envelope: the same entry, 409', async (t) => {
  const first = await post(proposal(envelope));
  t.equal(first.statusCode, 201, first.body);
  const [id] = Object.keys(first.json());
  for (const [what, body] of [
    ['unknown member in proposedContent', proposal(envelope, ',"comment":"x"')],
    ['unknown member in spec', proposal(envelope).replace('{"proposedContent"', '{"note":1,"proposedContent"')],
    ['duplicated envelope key (last wins, as Go)', proposal(envelope).replace('{"envelope"', `{"envelope":"not an envelope","envelope"`)],
    ['null computed fields (as Go clients send)', proposal(envelope).replace('{"proposedContent"', '{"envelopeHash":null,"payloadHash":null,"signatures":null,"proposedContent"')],
  ] as const) {
    const r = await post(body);
    t.equal(r.statusCode, 409, `${what}: ${r.body}`);
    t.equal(r.headers.location, `/api/v1/log/entries/${id}`, what);
  }
});

t.test('a different envelope string is a different entry, as upstream (envelopeHash covers it as submitted)', async (t) => {
  for (const [what, env] of [
    ['unknown field in the envelope', envelope.replace('{"payloadType"', '{"extra":1,"payloadType"')],
    ['duplicated key in the envelope', envelope.replace('{"payloadType"', `{"payloadType":"x","payloadType"`)],
  ] as const) {
    const r = await post(proposal(env));
    t.equal(r.statusCode, 201, `${what}: ${r.body}`);
    const again = await post(proposal(env));
    t.equal(again.statusCode, 409, `${what}: submitted twice, logged once`);
  }
});
