/**
 * dev.sigstore.rekor.v1.TransparencyLogEntry as protobuf-JSON, the 201 body of
 * `POST /api/v2/log/entries` (protocols.md §7.5). Go clients parse it with strict
 * protojson, so it has exactly the proto's fields. Written as upstream's
 * grpc-gateway writes it (EmitUnpopulated): `integratedTime` "0" and
 * `inclusionPromise` null, since Rekor v2 neither timestamps nor promises; int64s
 * are decimal strings, bytes standard base64.
 */
export interface TransparencyLogEntryJson {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: '0';
  inclusionPromise: null;
  inclusionProof: {
    logIndex: string;
    rootHash: string;
    treeSize: string;
    hashes: string[];
    checkpoint: { envelope: string };
  };
  canonicalizedBody: string;
}
