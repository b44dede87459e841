import { Injectable } from '@nestjs/common';
import { CrmCallError, CrmCapabilities, CrmConnector, invalid } from '../../../../libs/domain/src';
import { CrmConnectionSettings, CrmConnectorKind } from '../core/crm-connector-kinds';
import type { CrmHttpResponse } from '../core/crm-http';
import type { CrmTransport } from '../core/crm-transport';
import { YCLIENTS_PAGE_SIZE, YclientsConnector } from './yclients.connector';

const TOKEN = /^[\x21-\x7e]{1,512}$/;

const capabilities = (rate: CrmCapabilities['rate']): CrmCapabilities => ({
  // Records by changed_after (deleted ones included); clients only whole (search has no updated-since filter).
  entities: { staff: 'full', service: 'full', client: 'full', appointment: 'incremental' },
  pageSize: { client: YCLIENTS_PAGE_SIZE, appointment: YCLIENTS_PAGE_SIZE },
  rate,
  pushClients: true,
  refreshesTokens: false,
});

/** YCLIENTS and Altegio share the connector: the host, the Accept type and the documented rate differ. */
abstract class YclientsFamily extends CrmConnectorKind {
  protected abstract readonly accept: string;
  readonly describe = { config: '{companyId, baseUrl?}', credentials: '{partnerToken, userToken}' };

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>) {
    const companyId = typeof config.companyId === 'number' ? String(config.companyId) : config.companyId;
    if (typeof companyId !== 'string' || !/^\d{1,12}$/.test(companyId))
      throw invalid('INVALID_CRM_CONFIG', 'config.companyId must be the company (branch) id, digits');
    const extra = Object.keys(config).filter((k) => k !== 'companyId');
    if (extra.length) throw invalid('INVALID_CRM_CONFIG', `config has unknown fields: ${extra.slice(0, 5).join(', ')}`);
    const { partnerToken, userToken } = credentials;
    if (typeof partnerToken !== 'string' || !TOKEN.test(partnerToken))
      throw invalid('INVALID_CRM_CREDENTIALS', 'credentials.partnerToken must be the partner (developer) token');
    if (typeof userToken !== 'string' || !TOKEN.test(userToken))
      throw invalid('INVALID_CRM_CREDENTIALS', 'credentials.userToken must be the user token (POST /auth)');
    return { config: { companyId }, credentials: { partnerToken, userToken } };
  }

  classify(res: CrmHttpResponse): CrmCallError | null {
    return YclientsConnector.classify(res);
  }

  open(s: CrmConnectionSettings, transport: CrmTransport): CrmConnector {
    return new YclientsConnector(transport, {
      baseUrl: s.baseUrl,
      companyId: String(s.config.companyId),
      partnerToken: s.credentials.partnerToken,
      userToken: s.credentials.userToken,
      accept: this.accept,
      capabilities: this.capabilities,
    });
  }
}

@Injectable()
export class YclientsKind extends YclientsFamily {
  readonly kind = 'yclients';
  readonly vendor = 'YCLIENTS (OOO «Иклайнс»)';
  readonly defaultBaseUrl = 'https://api.yclients.com/api/v1';
  protected readonly accept = 'application/vnd.yclients.v2+json';
  /** 5 requests a second (YCLIENTS documentation); no burst is relied on, the limiter's shape being unknown. */
  readonly capabilities = capabilities({ requests: 5, perSeconds: 1, burst: 1 });
}

@Injectable()
export class AltegioKind extends YclientsFamily {
  readonly kind = 'altegio';
  readonly vendor = 'Altegio';
  readonly defaultBaseUrl = 'https://api.alteg.io/api/v1';
  protected readonly accept = 'application/vnd.api.v2+json';
  /** 200 requests a minute (Altegio's guide). */
  readonly capabilities = capabilities({ requests: 200, perSeconds: 60, burst: 1 });
}
