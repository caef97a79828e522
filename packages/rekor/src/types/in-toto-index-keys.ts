import { goDecodes, goField, goSlice, goStringMapEntries, type GoShape } from './go-json.js';

/** in_toto.PayloadType: the only payload type whose contents upstream indexes. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const DIGESTS: GoShape = { array: { fields: { digest: 'stringMap' } } };

/** dsse 0.0.1's indexKeyExtract: `{subject: [{digest}], predicate: json.RawMessage}`. */
const DSSE_EXTRACT: GoShape = { fields: { subject: DIGESTS, predicate: 'any' } };
/** dsse 0.0.1's materialsExtract, applied to the predicate: `{materials: [{digest}]}`. */
const MATERIALS_EXTRACT: GoShape = { fields: { materials: DIGESTS } };
/** intoto 0.0.1/0.0.2's indexKeyExtract: `{subject: [{digest}]}`. */
const STATEMENT_EXTRACT: GoShape = { fields: { subject: DIGESTS } };

/**
 * in-toto-golang v0.11.0 `in_toto.ProvenanceStatement` (StatementHeader + SLSA 0.2
 * ProvenancePredicate), which intoto entries decode the payload into to find material
 * digests; the decode, and so the material keys, fail on any mistyped field.
 */
const SLSA02_STATEMENT: GoShape = {
  fields: {
    _type: 'string',
    predicateType: 'string',
    subject: { array: { fields: { name: 'string', digest: 'stringMap' } } },
    predicate: {
      fields: {
        builder: { fields: { id: 'string' } },
        buildType: 'string',
        invocation: {
          fields: {
            configSource: { fields: { uri: 'string', digest: 'stringMap', entryPoint: 'string' } },
            parameters: 'any',
            environment: 'any',
          },
        },
        buildConfig: 'any',
        metadata: {
          fields: {
            buildInvocationID: 'string',
            buildStartedOn: 'time',
            buildFinishedOn: 'time',
            completeness: { fields: { parameters: 'bool', environment: 'bool', materials: 'bool' } },
            reproducible: 'bool',
          },
        },
        materials: { array: { fields: { uri: 'string', digest: 'stringMap' } } },
      },
    },
  },
};

/** JSON.parse of a payload; undefined where Go's json.Unmarshal would fail on syntax. */
function parseJson(payload: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(Buffer.from(payload).toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

function digestKeys(list: unknown): string[] {
  const out: string[] = [];
  for (const item of goSlice(list)) {
    if (typeof item !== 'object' || item === null) continue;
    for (const [alg, d] of goStringMapEntries(goField(item as Record<string, unknown>, 'digest'))) out.push(`${alg}:${d}`);
  }
  return out;
}

function field(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? goField(v as Record<string, unknown>, name) : undefined;
}

/**
 * dsse 0.0.1 (Unmarshal, for payloadType in-toto): subject digests and predicate
 * material digests; nothing when the payload does not decode, no materials when the
 * predicate does not.
 */
export function dsseInTotoKeys(payload: Uint8Array): string[] {
  const parsed = parseJson(payload);
  if (!parsed || !goDecodes(parsed.value, DSSE_EXTRACT)) return [];
  const keys = digestKeys(field(parsed.value, 'subject'));
  const predicate = field(parsed.value, 'predicate');
  if (predicate !== undefined && goDecodes(predicate, MATERIALS_EXTRACT)) keys.push(...digestKeys(field(predicate, 'materials')));
  return keys;
}

/**
 * intoto 0.0.1/0.0.2 IndexKeys (payloadType in-toto): the statement's subject digests,
 * then the SLSA 0.2 material digests if the payload decodes as a ProvenanceStatement.
 * Undefined when the payload does not decode as a statement (intoto 0.0.1 then skips
 * these keys; intoto 0.0.2's IndexKeys fails, and upstream indexes nothing at all).
 */
export function intotoStatementKeys(payload: Uint8Array): string[] | undefined {
  const parsed = parseJson(payload);
  if (!parsed || !goDecodes(parsed.value, STATEMENT_EXTRACT)) return undefined;
  const keys = digestKeys(field(parsed.value, 'subject'));
  if (goDecodes(parsed.value, SLSA02_STATEMENT)) keys.push(...digestKeys(field(field(parsed.value, 'predicate'), 'materials')));
  return keys;
}
