/**
 * Response schemas (serialisation and documentation). Request bodies and query
 * strings are checked by hand in ctlog-routes.ts instead: fastify's default Ajv
 * coerces types (a lone string becomes a one-element array, a number a string), and
 * a CT log must say exactly what was wrong with a submission.
 */

export const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
} as const;

export const addChainResponseSchema = {
  type: 'object',
  required: ['sct_version', 'id', 'timestamp', 'extensions', 'signature'],
  properties: {
    sct_version: { type: 'integer' },
    id: { type: 'string' },
    timestamp: { type: 'integer' },
    extensions: { type: 'string' },
    signature: { type: 'string' },
  },
} as const;

export const sthSchema = {
  type: 'object',
  required: ['tree_size', 'timestamp', 'sha256_root_hash', 'tree_head_signature'],
  properties: {
    tree_size: { type: 'integer' },
    timestamp: { type: 'integer' },
    sha256_root_hash: { type: 'string' },
    tree_head_signature: { type: 'string' },
  },
} as const;

export const consistencySchema = {
  type: 'object',
  required: ['consistency'],
  properties: { consistency: { type: 'array', items: { type: 'string' } } },
} as const;

export const proofByHashSchema = {
  type: 'object',
  required: ['leaf_index', 'audit_path'],
  properties: { leaf_index: { type: 'integer' }, audit_path: { type: 'array', items: { type: 'string' } } },
} as const;

export const entriesSchema = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['leaf_input', 'extra_data'],
        properties: { leaf_input: { type: 'string' }, extra_data: { type: 'string' } },
      },
    },
  },
} as const;

export const rootsSchema = {
  type: 'object',
  required: ['certificates'],
  properties: { certificates: { type: 'array', items: { type: 'string' } } },
} as const;
