// The hot path writes DER with the @sigstack/x509 DER writer instead of pkijs (see its der-writer.ts for why).
// This test is the contract: for the same values (serial, time, signature taken
// from our response), pkijs/asn1js build byte-identical responses.
import t from 'tap';
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createEphemeralSigner, FakeClock, type Signer } from '@sigstack/core';
import { issueDevChain, TimestampAuthority, type TimestampRequest } from '../src/index.js';
import { buildRequest, decodeResponse } from './helpers.js';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signedData: '1.2.840.113549.1.7.2',
};

function oracle(o: {
  chain: Buffer[];
  p384: boolean;
  policy: string;
  messageImprint: Buffer;
  serial: Buffer;
  genTime: Date;
  nonce?: Buffer;
  certificates?: Buffer[];
  signature: Buffer;
}): Buffer {
  const leaf = pkijs.Certificate.fromBER(o.chain[0]!);
  const tst = new pkijs.TSTInfo({
    version: 1,
    policy: o.policy,
    messageImprint: pkijs.MessageImprint.fromBER(o.messageImprint),
    serialNumber: new asn1js.Integer({ valueHex: o.serial }),
    genTime: o.genTime,
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(o.nonce ? { nonce: new asn1js.Integer({ valueHex: o.nonce }) } : {}),
    tsa: new pkijs.GeneralName({ type: 4, value: leaf.subject }),
  });
  const tstDer = Buffer.from(tst.toSchema().toBER(false));
  const hash = o.p384 ? 'sha384' : 'sha256';
  const digestOid = o.p384 ? OID.sha384 : OID.sha256;
  // ESSCertIDv2 (no pkijs class): SEQUENCE { SEQUENCE OF { SEQUENCE { certHash, IssuerSerial } } }
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [leaf.issuer.toSchema()] })] }),
      leaf.serialNumber,
    ],
  });
  const scv2 = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: createHash('sha256').update(o.chain[0]!).digest() }), issuerSerial] })] })],
  });
  const md = createHash(hash).update(tstDer).digest();
  const signingTime = new asn1js.UTCTime({ valueDate: o.genTime });
  // In DER order (contentType, signingTime, messageDigest, signingCertificateV2): the
  // encodings sort by length first here, and asn1js does not sort SETs itself.
  const attributes = [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.5', values: [signingTime] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: md })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.16.2.47', values: [scv2] }),
  ];
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: digestOid }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: o.p384 ? OID.ecdsaSha384 : OID.ecdsaSha256 }),
    signature: new asn1js.OctetString({ valueHex: o.signature }),
  });
  // pkijs's constructor re-wraps eContent as a constructed (BER) OCTET STRING; DER
  // (and Go, and the public-good TSA) use the primitive form, so it is set afterwards.
  const encap = new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo });
  encap.eContent = new asn1js.OctetString({ valueHex: tstDer });
  const sd = new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: digestOid })],
    encapContentInfo: encap,
    ...(o.certificates ? { certificates: o.certificates.map((c) => pkijs.Certificate.fromBER(c)) } : {}),
    signerInfos: [signerInfo],
  });
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: 0 }),
    timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: sd.toSchema(true) }),
  });
  return Buffer.from(resp.toSchema().toBER(false));
}

const root = createEphemeralSigner();
const clock = new FakeClock(Date.UTC(2026, 6, 4, 12, 30, 15, 250));

/** Our response and the pkijs build for the same values, as hex. */
async function both(leafSigner: Signer, req: (tsa: TimestampAuthority) => TimestampRequest, includeChain = false): Promise<[string, string]> {
  const chain = await issueDevChain(root, leafSigner, Date.UTC(2026, 0, 1));
  const tsa = new TimestampAuthority({ signer: leafSigner, chain, clock, includeChain, randomBytes: (n) => Buffer.alloc(n, 0x5a) });
  const request = req(tsa);
  const ours = await tsa.issue(request);
  const d = decodeResponse(ours);
  const expected = oracle({
    chain,
    p384: leafSigner.algorithm === 'ecdsa-p384-sha384',
    policy: tsa.policyOid,
    messageImprint: request.messageImprint,
    serial: Buffer.from(d.token!.tstInfo.serialNumber.valueBlock.valueHexView),
    genTime: new Date(Math.floor(clock.now() / 1000) * 1000),
    ...(request.nonce ? { nonce: request.nonce } : {}),
    ...(request.certReq ? { certificates: includeChain ? [...chain].sort(Buffer.compare) : [chain[0]!] } : {}),
    signature: Buffer.from(d.token!.signerInfo.signature.valueBlock.valueHexView),
  });
  return [ours.toString('hex'), expected.toString('hex')];
}

const cases: [string, Signer, (tsa: TimestampAuthority) => TimestampRequest, boolean?][] = [];
const p256 = createEphemeralSigner();
const p384 = createEphemeralSigner('ecdsa-p384-sha384');
const d256 = createHash('sha256').update('a').digest();
const d512 = createHash('sha512').update('a').digest();

cases.push(
  ['DER, no nonce, no certReq', p256, (tsa) => tsa.parseRequest(buildRequest({ digest: d256 }), 'der')],
  ['DER, nonce, certReq', p256, (tsa) => tsa.parseRequest(buildRequest({ digest: d256, nonce: Buffer.from('0102030405060708', 'hex'), certReq: true }), 'der')],
  ['DER, SHA-512 imprint without NULL parameters', p256, (tsa) => tsa.parseRequest(buildRequest({ hashOid: '2.16.840.1.101.3.4.2.3', digest: d512, nullParams: false }), 'der')],
  ['DER, certReq with the whole chain', p256, (tsa) => tsa.parseRequest(buildRequest({ digest: d256, certReq: true }), 'der'), true],
  [
    'JSON, big nonce, certificates',
    p256,
    (tsa) => tsa.parseRequest(Buffer.from(`{"artifactHash":"${d256.toString('base64')}","hashAlgorithm":"sha256","nonce":98765432109876543210,"certificates":true}`), 'json'),
  ],
  ['P-384 key', p384, (tsa) => tsa.parseRequest(buildRequest({ digest: d256, nonce: Buffer.from('7f', 'hex') }), 'der')],
);

for (const [name, signer, req, includeChain] of cases) {
  t.test(name, async (t) => {
    const [ours, expected] = await both(signer, req, includeChain);
    t.equal(ours, expected, 'byte-identical to the pkijs build');
  });
}
