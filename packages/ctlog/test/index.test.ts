import t from 'tap';
import * as ctlog from '../src/index.js';

t.test('public surface', async (t) => {
  t.same(Object.keys(ctlog).sort(), [
    'CtLogError',
    'CtLogService',
    'DEFAULT_CTLOG_BODY_LIMIT',
    'DEFAULT_CT_ORIGIN',
    'ENTRY_TYPE',
    'MAX_CHAIN_LENGTH',
    'MAX_GET_ENTRIES',
    'ctlogRoutes',
    'encodeSctListExtensionValue',
    'encodeTreeHeadInput',
    'openCtLog',
    'toAddChainResponse',
    'verifyEmbeddedSct',
  ]);
  t.equal(ctlog.DEFAULT_CT_ORIGIN, 'localhost/ct');
  t.equal(ctlog.DEFAULT_CTLOG_BODY_LIMIT, 256 * 1024);
  t.equal(ctlog.MAX_CHAIN_LENGTH, 10);
  t.equal(ctlog.MAX_GET_ENTRIES, 256);
});

// Compile-time: the service satisfies the CA's CtLogClient (declared with its consumer,
// @sigstack/fulcio; type-only import, erased at run time). Checked by
// `npx tsc --noEmit -p packages/ctlog/test` style runs, see README.
import type { CtLogClient } from '../../fulcio/src/ca/ct-log-client.js';
type Satisfies<T extends CtLogClient> = T;
export type ServiceIsACtLogClient = Satisfies<ctlog.CtLogService>;
