import t from 'tap';
import * as tuf from '../src/index.js';
import { toCanonicalJson, signingPayload, createTimestampMetadata } from '../src/index.js';

t.test('the public surface', async (t) => {
  t.same(Object.keys(tuf).sort(), ["CEREMONY_FILE","CeremonyFolder","DEFAULT_CHECK_INTERVAL","DEFAULT_EXPIRY_DAYS","DEFAULT_SNAPSHOT_EXPIRY","DEFAULT_TARGETS_EXPIRY","DEFAULT_TIMESTAMP_EXPIRY","DEFAULT_TUF_PREFIX","DEV_KEY_FILES","DEV_ROOT_EXPIRY","IMMUTABLE_CACHE","MAX_ARCHIVE_BYTES","MUTABLE_CACHE","OnlineRepository","ROLE_NAMES","SIGNING_CONFIG_MEDIA_TYPE","SPEC_VERSION","TARGET_HASH_ALGORITHMS","TARGET_NAME","TRUST_BUNDLE_MEDIA_TYPE","TufError","addSignature","addTarget","assertThreshold","ceremonyPayload","ceremonyStatus","checkThreshold","createRootMetadata","createSigningConfig","createSnapshotMetadata","createTargetFile","createTargetsMetadata","createTimestampMetadata","exportTrustBundle","fromTarBytes","hasValidSignature","initCeremony","installTrustBundle","installedRepository","isRepository","latestRoot","latestRootBytes","openDevRepository","openTrustBundle","parseMetadata","publishCeremony","publishRepository","readRepository","refreshRole","removeTarget","rootFile","rotateRoot","signMetadata","signRole","signingPayload","sigstoreCustom","sigstoreTargets","snapshotFile","stagedMetadata","targetFile","targetsFile","toCanonicalJson","toExpires","toMetadataBytes","toTarBytes","toTufKey","trustExpiries","tufRoutes","verifyRepository","verifyTargetBytes","verifyThreshold"]);
  t.equal(tuf.SPEC_VERSION, '1.0.31');
  t.equal(tuf.DEFAULT_TUF_PREFIX, '/tuf');
  t.equal(tuf.SIGNING_CONFIG_MEDIA_TYPE, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
});

t.test('OLPC canonical JSON agrees with the bytes @tufjs/models signs', async (t) => {
  const md = createTimestampMetadata(3, Date.UTC(2030, 0, 1), 2);
  t.equal(signingPayload(md.signed).toString(), toCanonicalJson(md.signed.toJSON()));
  t.equal(toCanonicalJson({ b: 'a\\"\n\u00e9', a: [1, true, null] }), '{"a":[1,true,null],"b":"a\\\\\\"\n\u00e9"}');
  t.throws(() => toCanonicalJson({ x: 1.5 }), { code: 'INVALID_INPUT' });
  t.equal(tuf.toExpires(Date.UTC(2030, 0, 1, 0, 0, 0, 999)), '2030-01-01T00:00:00Z');
});
