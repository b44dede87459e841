import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { sameSecret } from '../../libs/crypto/src';
import type { TenantRef } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';

/**
 * The rating links of a survey mail: `/csat/<region>/<tenant>/<survey>?rating=<1-5>&signature=<HMAC-SHA256
 * over region, tenant and survey>`. The survey id is random and the signature keyed by a secret of
 * the deployment, so no link can be guessed or pointed at another survey; a link works until the
 * survey has its rating (the first rating stands).
 */
@Injectable()
export class CsatLinks {
  private readonly key: Buffer;

  constructor(private readonly config: AppConfig) {
    this.key = createHmac('sha256', config.jwtSecret).update('mm-csat-link').digest();
  }

  url(tenant: TenantRef, surveyId: string, rating: number): string {
    return `${this.config.publicBaseUrl}/csat/${tenant.region}/${tenant.tenantId}/${surveyId}?rating=${rating}&signature=${this.sign(tenant.region, tenant.tenantId, surveyId)}`;
  }

  valid(region: string, tenantId: string, surveyId: string, signature: string): boolean {
    return sameSecret(this.sign(region, tenantId, surveyId), signature);
  }

  private sign(region: string, tenantId: string, surveyId: string): string {
    return createHmac('sha256', this.key).update(`${region}\n${tenantId}\n${surveyId}`).digest('base64url');
  }
}
