/**
 * What the CA needs from a certificate-transparency log (declared here, with its
 * consumer: conventions.md §1). In the all-in-one stack it is the in-process CT log
 * of @sigstack/ctlog; in a split deployment an RFC 6962 HTTP client.
 */
export interface CtLogClient {
  /**
   * Submits `[precertificate, issuer, ..., root]` (DER) as RFC 6962 add-pre-chain and
   * resolves, once the entry is durable in the log, to the TLS-encoded
   * SignedCertificateTimestamp (RFC 6962 §3.2), ready to go into an SCT list.
   *
   * When the log refuses for now (its queue is full, it is shutting down), it rejects
   * with `FulcioError` code `CT_LOG_BUSY`: the CA answers 503 with
   * Retry-After and issues nothing. Any other rejection is a failure of the log
   * (`CT_LOG_FAILED`, 500). The implementation translates its own errors into these
   * two; the CA never looks at a log engine's error codes.
   */
  addPreChain(chainDer: Buffer[]): Promise<Buffer>;
}

