import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { sameSecret } from '../../libs/crypto/src';
import type { TenantRef } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';

/** How long a platform may fetch a file we link it to: Twilio and Instagram fetch at once, retries included. */
export const SIGNED_URL_TTL_SECONDS = 3600;

/**
 * Links to one stored file for platforms that fetch media themselves (Twilio MMS, Instagram):
 * `/media/<region>/<tenant>/<upload>?expires=<unix s>&signature=<HMAC-SHA256 over all four>`. The
 * upload id is random and the signature keyed by a secret of the deployment, so nothing is
 * guessable, and a link stops working when it expires.
 */
@Injectable()
export class SignedMediaUrls {
  private readonly key: Buffer;

  constructor(private readonly config: AppConfig) {
    this.key = createHmac('sha256', config.jwtSecret).update('mm-signed-media-url').digest();
  }

  url(tenant: TenantRef, uploadId: string, now = Date.now(), ttlSeconds = SIGNED_URL_TTL_SECONDS): string {
    const expires = Math.floor(now / 1000) + ttlSeconds;
    const signature = this.sign(tenant.region, tenant.tenantId, uploadId, expires);
    return `${this.config.publicBaseUrl}/media/${tenant.region}/${tenant.tenantId}/${uploadId}?expires=${expires}&signature=${signature}`;
  }

  /** Whether the link is one we made and has not expired. */
  valid(region: string, tenantId: string, uploadId: string, expires: string, signature: string, now = Date.now()): boolean {
    if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now) return false;
    return sameSecret(this.sign(region, tenantId, uploadId, Number(expires)), signature);
  }

  private sign(region: string, tenantId: string, uploadId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${region}\n${tenantId}\n${uploadId}\n${expires}`).digest('base64url');
  }
}
