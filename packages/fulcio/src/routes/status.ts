import type { FulcioErrorCode } from '../errors.js';

/** gRPC status codes used on the wire (google.golang.org/grpc/codes), as grpc-gateway reports them. */
export const GRPC_CODE = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The client-facing messages of upstream Fulcio (pkg/server/error.go); ours append the detail after ": ". */
export const UPSTREAM_MESSAGE = {
  invalidIdentityToken: 'There was an error processing the identity token',
  invalidCredentials: 'There was an error processing the credentials for this request',
  invalidPublicKey: 'The public key supplied in the request could not be parsed',
  insecurePublicKey: 'The public key supplied in the request is insecure',
  invalidSignature: 'The signature supplied in the request could not be verified',
  invalidCSR: 'The certificate signing request could not be parsed',
  failedToEnterCertInCTL: 'Error entering certificate in CTL',
  genericCAError: 'error communicating with CA backend',
  malformedRequest: 'The request could not be parsed',
} as const;

export interface FulcioStatus {
  /** HTTP status. */
  status: number;
  /** gRPC code in the body (grpc-gateway's `code`). */
  grpc: number;
  /** The upstream message the detail is appended to. */
  message: string;
}

/**
 * The one table from FulcioError code to the wire (routes only). Upstream answers
 * every token, key and proof failure with InvalidArgument (400); a request without
 * any token is 401 here, so a client can tell "log in" from "your token is bad".
 * IdP and CA trouble is 503 (sigstore-go retries 5xx), a CT failure 500 as upstream.
 */
export const FULCIO_STATUS: Readonly<Record<FulcioErrorCode, FulcioStatus>> = {
  TOKEN_INVALID: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  TOKEN_EXPIRED: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  TOKEN_NOT_YET_VALID: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  WRONG_AUDIENCE: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  ISSUER_UNTRUSTED: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  UNKNOWN_KEY_ID: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  CLAIMS_INVALID: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  TOKEN_MISSING: { status: 401, grpc: GRPC_CODE.UNAUTHENTICATED, message: UPSTREAM_MESSAGE.invalidCredentials },
  DISCOVERY_FAILED: { status: 503, grpc: GRPC_CODE.UNAVAILABLE, message: UPSTREAM_MESSAGE.invalidIdentityToken },
  CONFIG_INVALID: { status: 500, grpc: GRPC_CODE.INTERNAL, message: UPSTREAM_MESSAGE.genericCAError },
  INVALID_PUBLIC_KEY: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidPublicKey },
  UNSUPPORTED_KEY: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.insecurePublicKey },
  POP_INVALID: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidSignature },
  CSR_INVALID: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.invalidCSR },
  MALFORMED_REQUEST: { status: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, message: UPSTREAM_MESSAGE.malformedRequest },
  CT_LOG_FAILED: { status: 500, grpc: GRPC_CODE.INTERNAL, message: UPSTREAM_MESSAGE.failedToEnterCertInCTL },
  CT_LOG_BUSY: { status: 503, grpc: GRPC_CODE.UNAVAILABLE, message: UPSTREAM_MESSAGE.failedToEnterCertInCTL },
  CA_UNAVAILABLE: { status: 503, grpc: GRPC_CODE.UNAVAILABLE, message: UPSTREAM_MESSAGE.genericCAError },
  CA_CHAIN_INVALID: { status: 500, grpc: GRPC_CODE.INTERNAL, message: UPSTREAM_MESSAGE.genericCAError },
};
