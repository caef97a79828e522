// Test helpers: a TSA over a temporary directory, a fastify app with the plugin,
// and an independent decoder for responses (pkijs/asn1js, not our DER code).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Clock } from '@sigstack/core';
import { systemClock } from '@sigstack/core';
import { openTimestampAuthority, tsaRoutes, type OpenTimestampAuthorityOptions, type TimestampAuthority } from '../src/index.js';

export async function tempTsa(opts: Partial<OpenTimestampAuthorityOptions> & { clock?: Clock } = {}): Promise<{ tsa: TimestampAuthority; dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-tsa-test-'));
  const tsa = await openTimestampAuthority({ dir, clock: systemClock, ...opts });
  return { tsa, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function tsaApp(tsa: TimestampAuthority, bodyLimit?: number): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(tsaRoutes, { tsa, ...(bodyLimit !== undefined ? { bodyLimit } : {}) });
  await app.ready();
  return app;
}

/** DER TimeStampReq built with pkijs (independent of our decoder). */
export function buildRequest(o: { hashOid?: string; digest: Buffer; nullParams?: boolean; policy?: string; nonce?: Buffer; certReq?: boolean; version?: number }): Buffer {
  const req = new pkijs.TimeStampReq({
    version: o.version ?? 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: o.hashOid ?? '2.16.840.1.101.3.4.2.1',
        ...(o.nullParams === false ? {} : { algorithmParams: new asn1js.Null() }),
      }),
      hashedMessage: new asn1js.OctetString({ valueHex: o.digest }),
    }),
    ...(o.policy ? { reqPolicy: o.policy } : {}),
    ...(o.nonce ? { nonce: new asn1js.Integer({ valueHex: o.nonce }) } : {}),
    ...(o.certReq ? { certReq: true } : {}),
  });
  return Buffer.from(req.toSchema().toBER(false));
}

export interface DecodedResponse {
  status: number;
  statusStrings: string[];
  failInfoHex?: string;
  token?: {
    signedData: pkijs.SignedData;
    tstInfoDer: Buffer;
    tstInfo: pkijs.TSTInfo;
    signerInfo: pkijs.SignerInfo;
    signedAttrsDer: Buffer; // with the SET tag, as signed
    certificates: Buffer[];
  };
}

/** Decodes a TimeStampResp with pkijs/asn1js. */
export function decodeResponse(der: Buffer): DecodedResponse {
  const asn = asn1js.fromBER(new Uint8Array(der));
  if (asn.offset === -1) throw new Error('response is not BER');
  if (asn.offset !== der.length) throw new Error('trailing data after TimeStampResp');
  const resp = new pkijs.TimeStampResp({ schema: asn.result });
  const si = resp.status;
  const out: DecodedResponse = {
    status: si.status,
    statusStrings: (si.statusStrings ?? []).map((s) => s.valueBlock.value),
    ...(si.failInfo ? { failInfoHex: Buffer.from(si.failInfo.valueBlock.valueHexView).toString('hex') + `/${si.failInfo.valueBlock.unusedBits}` } : {}),
  };
  if (resp.timeStampToken) {
    const signedData = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    const eContent = signedData.encapContentInfo.eContent!;
    const tstInfoDer = Buffer.from(eContent.valueBlock.valueHexView);
    const tstInfo = pkijs.TSTInfo.fromBER(tstInfoDer);
    const signerInfo = signedData.signerInfos[0]!;
    const attrs = Buffer.from(signerInfo.signedAttrs!.encodedValue);
    const signedAttrsDer = Buffer.from(attrs);
    signedAttrsDer[0] = 0x31;
    const certificates = (signedData.certificates ?? []).map((c) => Buffer.from((c as pkijs.Certificate).toSchema().toBER(false)));
    out.token = { signedData, tstInfoDer, tstInfo, signerInfo, signedAttrsDer, certificates };
  }
  return out;
}

export function attr(d: DecodedResponse, oid: string): asn1js.AsnType[] | undefined {
  return d.token?.signerInfo.signedAttrs?.attributes.find((a) => a.type === oid)?.values;
}
