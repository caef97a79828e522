import t from 'tap';
import { compileIdentityRegExp, describeKeylessIdentity, keylessIdentityMatches } from '../../src/policy/keyless-identity.js';

const cert = { issuer: 'https://token.actions.githubusercontent.com', subjects: ['https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0'] };

t.test('exact and expression identities, as cosign matches them', async (t) => {
  const cases: [Parameters<typeof keylessIdentityMatches>[0], boolean][] = [
    [{ issuer: cert.issuer, subject: cert.subjects[0] }, true],
    [{ issuer: cert.issuer, subject: 'https://github.com/acme/app' }, false],
    [{ issuer: 'https://token.actions.githubusercontent.com/', subject: cert.subjects[0] }, false],
    [{ issuer: cert.issuer, subjectRegExp: '^https://github\\.com/acme/.+@refs/tags/v' }, true],
    [{ issuer: cert.issuer, subjectRegExp: 'acme/app' }, true], // a search, not an anchored match (Go MatchString)
    [{ issuer: cert.issuer, subjectRegExp: '^acme/app$' }, false],
    [{ issuerRegExp: '(?i)^HTTPS://TOKEN\\.actions\\.githubusercontent\\.com$', subject: cert.subjects[0] }, true],
    [{ issuerRegExp: '^https://gitlab\\.com$', subjectRegExp: '.*' }, false],
    [{ issuer: cert.issuer }, false], // no subject rule: never matches (the parser refuses it anyway)
  ];
  for (const [id, want] of cases) t.equal(keylessIdentityMatches(id, cert), want, describeKeylessIdentity(id));
  t.equal(keylessIdentityMatches({ issuer: 'i', subject: 'b@x' }, { issuer: 'i', subjects: ['a@x', 'b@x'] }), true, 'any SAN');
});

t.test('expressions JavaScript cannot run are refused', async (t) => {
  t.throws(() => compileIdentityRegExp('(unclosed'), /not a regular expression we can run/);
  t.throws(() => compileIdentityRegExp('x'.repeat(5000)), /longer than/);
  t.equal(compileIdentityRegExp('(?is)a.b').flags, 'is');
});
