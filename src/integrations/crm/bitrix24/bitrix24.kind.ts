import { Injectable } from '@nestjs/common';
import { CrmCallError, CrmConnector, invalid } from '../../../../libs/domain/src';
import { CrmConnectionSettings, CrmConnectorKind } from '../core/crm-connector-kinds';
import type { CrmHttpResponse } from '../core/crm-http';
import type { CrmTransport } from '../core/crm-transport';
import { BITRIX_PAGE_SIZE, Bitrix24Connector } from './bitrix24.connector';

const CODE = /^[A-Za-z0-9_-]{4,128}$/;

/** Bitrix24 (cloud portals): an inbound webhook's URL is the credential. */
@Injectable()
export class Bitrix24Kind extends CrmConnectorKind {
  readonly kind = 'bitrix24';
  readonly vendor = 'Bitrix24';
  /** There is no default portal: config.baseUrl names it. */
  readonly defaultBaseUrl = null;
  readonly describe = { config: '{baseUrl: "https://<portal>.bitrix24.ru"}', credentials: '{webhookUserId, webhookCode, applicationToken?}' };
  /**
   * The leaky bucket drains 2 requests/s with room for 50 (Enterprise: 5/s, 250); we keep 10 of
   * the burst in reserve for the Customer's own integrations on the same portal.
   */
  readonly capabilities = {
    entities: { client: 'incremental', deal: 'incremental' } as const,
    pageSize: { client: BITRIX_PAGE_SIZE, deal: BITRIX_PAGE_SIZE },
    rate: { requests: 2, perSeconds: 1, burst: 40 },
    pushClients: true,
    refreshesTokens: false,
  };

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>) {
    const extra = Object.keys(config);
    if (extra.length)
      throw invalid('INVALID_CRM_CONFIG', `config has unknown fields: ${extra.slice(0, 5).join(', ')} (bitrix24 takes only baseUrl, the portal)`);
    const userId = typeof credentials.webhookUserId === 'number' ? String(credentials.webhookUserId) : credentials.webhookUserId;
    if (typeof userId !== 'string' || !/^\d{1,12}$/.test(userId))
      throw invalid('INVALID_CRM_CREDENTIALS', 'credentials.webhookUserId must be the user id of the inbound webhook URL (/rest/<userId>/<code>/)');
    if (typeof credentials.webhookCode !== 'string' || !CODE.test(credentials.webhookCode))
      throw invalid('INVALID_CRM_CREDENTIALS', 'credentials.webhookCode must be the code of the inbound webhook URL');
    const token = credentials.applicationToken;
    if (token !== undefined && (typeof token !== 'string' || !CODE.test(token)))
      throw invalid('INVALID_CRM_CREDENTIALS', "credentials.applicationToken must be the outgoing webhook's application token");
    return {
      config: {},
      credentials: { webhookUserId: userId, webhookCode: credentials.webhookCode, ...(typeof token === 'string' ? { applicationToken: token } : {}) },
    };
  }

  classify(res: CrmHttpResponse): CrmCallError | null {
    return Bitrix24Connector.classify(res);
  }

  open(s: CrmConnectionSettings, transport: CrmTransport): CrmConnector {
    return new Bitrix24Connector(transport, {
      baseUrl: s.baseUrl,
      webhookUserId: s.credentials.webhookUserId,
      webhookCode: s.credentials.webhookCode,
      applicationToken: s.credentials.applicationToken ?? null,
      capabilities: this.capabilities,
    });
  }
}
