import t from 'tap';
import * as tsa from '../src/index.js';

t.test('the public surface', async (t) => {
  t.same(Object.keys(tsa).sort(), [
    'DEFAULT_ACCURACY',
    'DEFAULT_POLICY_OID',
    'DEFAULT_TSA_BODY_LIMIT',
    'DEV_LEAF_SUBJECT',
    'DEV_LEAF_VALIDITY_DAYS',
    'DEV_ROOT_SUBJECT',
    'DEV_ROOT_VALIDITY_DAYS',
    'TIMESTAMP_REPLY_TYPE',
    'TSA_CHAIN_FILE',
    'TSA_LEAF_KEY_FILE',
    'TSA_ROOT_KEY_FILE',
    'TSA_STATUS',
    'TimestampAuthority',
    'TsaError',
    'issueDevChain',
    'issueNextLeaf',
    'openDevChain',
    'openTimestampAuthority',
    'parseDerRequest',
    'parseJsonRequest',
    'readChain',
    'sendTsaError',
    'tsaRoutes',
    'verifyTsaChain',
  ]);
  t.equal(tsa.DEFAULT_POLICY_OID, '1.3.6.1.4.1.57264.2');
  t.equal(tsa.TIMESTAMP_REPLY_TYPE, 'application/timestamp-reply');
  t.equal(tsa.DEFAULT_TSA_BODY_LIMIT, 10240);
});
