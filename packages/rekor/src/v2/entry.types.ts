/** A v2 entry ready to append: its kind and version, and the leaf (JCS of the Entry's protobuf-JSON). */
export interface CanonicalV2Entry {
  kind: 'hashedrekord' | 'dsse';
  version: '0.0.2';
  body: Buffer;
}
