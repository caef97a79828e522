import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createHash, randomBytes, generateKeyPairSync, sign } from 'node:crypto';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
function build(hash: Buffer, nonce: Buffer | null) {
  const tst = new pkijs.TSTInfo({
    version: 1,
    policy: '1.3.6.1.4.1.57264.2',
    messageImprint: new pkijs.MessageImprint({ hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1', algorithmParams: new asn1js.Null() }), hashedMessage: new asn1js.OctetString({ valueHex: hash }) }),
    serialNumber: new asn1js.Integer({ valueHex: randomBytes(20) }),
    genTime: new Date(Math.floor(Date.now() / 1000) * 1000),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(nonce ? { nonce: new asn1js.Integer({ valueHex: nonce }) } : {}),
  });
  const tstDer = tst.toSchema().toBER(false);
  const md = createHash('sha256').update(Buffer.from(tstDer)).digest();
  const attrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.9.16.1.4' })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.5', values: [new asn1js.UTCTime({ valueDate: new Date() })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: md })] }),
  ] });
  const attrsDer = Buffer.from(attrs.toSchema().toBER(false)); attrsDer[0] = 0x31;
  const sig = sign('sha256', attrsDer, privateKey);
  const si = new pkijs.SignerInfo({ version: 1, sid: new pkijs.IssuerAndSerialNumber({ issuer: new pkijs.RelativeDistinguishedNames(), serialNumber: new asn1js.Integer({ value: 5 }) }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1' }), signedAttrs: attrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.10045.4.3.2' }), signature: new asn1js.OctetString({ valueHex: sig }) });
  const sd = new pkijs.SignedData({ version: 3, digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1' })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '1.2.840.113549.1.9.16.1.4', eContent: new asn1js.OctetString({ valueHex: tstDer }) }), signerInfos: [si] });
  const ci = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: sd.toSchema(true) });
  const resp = new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: 0 }), timeStampToken: ci });
  return Buffer.from(resp.toSchema().toBER(false));
}
const h = randomBytes(32);
for (let i = 0; i < 200; i++) build(h, randomBytes(8));
let t = performance.now(); const N = 2000;
for (let i = 0; i < N; i++) build(h, randomBytes(8));
console.log('pkijs build+sign µs', ((performance.now() - t) / N * 1000).toFixed(1));
t = performance.now();
for (let i = 0; i < N; i++) sign('sha256', h, privateKey);
console.log('sign only µs', ((performance.now() - t) / N * 1000).toFixed(1));
const q = Buffer.from('302902010130210609608648016503040201050004', 'hex');
t = performance.now();
for (let i = 0; i < N; i++) { const r = asn1js.fromBER(new Uint8Array(build(h, null))); }
console.log('build + asn1js parse µs', ((performance.now() - t) / N * 1000).toFixed(1));
