/** JSON schemas: the single source of validation and serialisation for the routes. */

export const proposedEntrySchema = {
  type: 'object',
  required: ['kind', 'apiVersion', 'spec'],
  properties: {
    kind: { type: 'string', minLength: 1, maxLength: 64 },
    apiVersion: { type: 'string', minLength: 1, maxLength: 32 },
    spec: { type: 'object' },
  },
} as const;

const inclusionProofSchema = {
  type: 'object',
  properties: {
    checkpoint: { type: 'string' },
    hashes: { type: 'array', items: { type: 'string' } },
    logIndex: { type: 'integer' },
    rootHash: { type: 'string' },
    treeSize: { type: 'integer' },
  },
} as const;

const logEntrySchema = {
  type: 'object',
  properties: {
    body: { type: 'string' },
    integratedTime: { type: 'integer' },
    logID: { type: 'string' },
    logIndex: { type: 'integer' },
    verification: {
      type: 'object',
      properties: {
        inclusionProof: inclusionProofSchema,
        signedEntryTimestamp: { type: 'string' },
      },
    },
  },
} as const;

export const logEntryMapSchema = { type: 'object', additionalProperties: logEntrySchema } as const;

export const errorSchema = {
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
} as const;

export const searchLogQuerySchema = {
  type: 'object',
  properties: {
    entryUUIDs: { type: ['array', 'null'], items: { type: 'string', maxLength: 128 }, maxItems: 64 },
    logIndexes: { type: ['array', 'null'], items: { type: 'integer', minimum: 0 }, maxItems: 64 },
    entries: { type: ['array', 'null'], items: { type: 'object' }, maxItems: 64 },
  },
} as const;

export const searchIndexSchema = {
  type: 'object',
  properties: {
    publicKey: {
      type: 'object',
      required: ['format'],
      properties: {
        format: { type: 'string', enum: ['pgp', 'x509', 'minisign', 'ssh', 'tuf'] },
        content: { type: 'string' },
        url: { type: 'string' },
      },
    },
    hash: { type: 'string', maxLength: 200 },
    email: { type: 'string', maxLength: 320 },
    subject: { type: 'string', maxLength: 1024 },
    operator: { type: 'string', enum: ['and', 'or'] },
  },
} as const;

export const logInfoSchema = {
  type: 'object',
  properties: {
    rootHash: { type: 'string' },
    treeSize: { type: 'integer' },
    signedTreeHead: { type: 'string' },
    treeID: { type: 'string' },
    inactiveShards: { type: 'array', items: { type: 'object' } },
  },
} as const;

export const consistencyProofSchema = {
  type: 'object',
  properties: { rootHash: { type: 'string' }, hashes: { type: 'array', items: { type: 'string' } } },
} as const;

/** Non-negative decimal integer in a query string, kept as a string so that we can name bad input ourselves. */
export const decimal = { type: 'string', pattern: '^[0-9]{1,19}$' } as const;
