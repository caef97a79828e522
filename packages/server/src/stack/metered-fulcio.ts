import { FulcioService, type SigningCertificate, type SigningCertificateRequest } from '@sigstack/fulcio';
import type { Principal } from '@sigstack/oidc';

/**
 * The CA service, telling `onIssued` about every certificate it issued (the
 * certificates-per-issuer metric). Set once the app's metrics exist; the CA is built
 * before them.
 */
export class MeteredFulcioService extends FulcioService {
  onIssued: ((principal: Principal) => void) | undefined;

  override async createSigningCertificate(req: SigningCertificateRequest): Promise<SigningCertificate> {
    const cert = await super.createSigningCertificate(req);
    this.onIssued?.(cert.principal);
    return cert;
  }
}
