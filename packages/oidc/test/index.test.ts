import t from 'tap';
import * as oidc from '../src/index.js';

t.test('the public surface', async (t) => {
  t.same(Object.keys(oidc).sort(), [
    'BUILTIN_CI_PROVIDERS',
    'DEFAULT_DISCOVERY_TIMEOUT_MS',
    'DEFAULT_LEEWAY_SECONDS',
    'DEV_AUDIENCE',
    'DEV_OIDC_INFO_FILE',
    'DEV_OIDC_KEY_FILE',
    'EXTENSION_FIELDS',
    'ISSUER_TYPES',
    'MAX_TOKEN_LENGTH',
    'OidcError',
    'challengeClaimOf',
    'compileMetaIssuerPattern',
    'createIdentityVerifier',
    'describeIssuers',
    'devFulcioIssuers',
    'devIssuerUrls',
    'devOidcRoutes',
    'findIssuer',
    'mintDevToken',
    'openDevOidcKey',
    'parseClaimTemplate',
    'parseFulcioConfig',
    'readFulcioConfigFile',
    'renderClaimTemplate',
    'signDevToken',
  ]);
});
