import t from 'tap';
import * as fulcio from '../src/index.js';

t.test('the public surface', async (t) => {
  t.same(Object.keys(fulcio).sort(), [
    'CA_CHAIN_FILE',
    'CA_INTERMEDIATE_KEY_FILE',
    'CA_ROOT_KEY_FILE',
    'CA_VALIDITY_DAYS',
    'CT_POISON_EXT',
    'CertificateAuthority',
    'DEFAULT_CA_SUBJECT',
    'DEFAULT_CERT_VALIDITY_SECONDS',
    'DEFAULT_FULCIO_BODY_LIMIT',
    'FULCIO_STATUS',
    'FulcioError',
    'FulcioService',
    'GRPC_CODE',
    'LeafProfile',
    'MAX_CLIENT_RSA_BITS',
    'MIN_CLIENT_RSA_BITS',
    'PEM_CHAIN_TYPE',
    'UPSTREAM_MESSAGE',
    'checkKeyPolicy',
    'fulcioRoutes',
    'issueCaHierarchy',
    'issueNextIntermediate',
    'openCertificateAuthority',
    'parseClientPublicKey',
    'sctListExtension',
    'sendFulcioError',
    'verifyCaChain',
    'verifyKeyProof',
  ]);
  t.equal(fulcio.DEFAULT_CERT_VALIDITY_SECONDS, 600, 'ten-minute certificates');
});
