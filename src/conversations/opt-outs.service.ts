import { Injectable } from '@nestjs/common';
import type { InboundMessage, TenantRef } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

/**
 * Opt-outs by keyword on contact identities, on the kinds whose capabilities have them
 * (`optOutKeywords`, SMS): recorded from an inbound stop keyword, lifted by a start keyword,
 * honoured on send.
 */
@Injectable()
export class OptOuts {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly adapters: ChannelAdapters,
  ) {}

  /** Records the keywords among these inbound messages (already stored, so their identities exist). */
  async recordKeywords(tenant: TenantRef, inbounds: readonly InboundMessage[]): Promise<void> {
    for (const i of inbounds) {
      const keyword = this.adapters.find(i.channelKind)?.capabilities.optOutKeywords?.keyword(i.text);
      if (!keyword) continue;
      await this.dbs.forTenant(tenant, (tx) =>
        rows(
          tx,
          `update contact_identities set opted_out_at = case when $4 then $5::timestamptz end
           where tenant_id = $1 and channel_id = $2 and external_id = $3`,
          [tenant.tenantId, i.channelId, i.externalContactId, keyword === 'stop', i.sentAt],
        ),
      );
    }
  }

  async isOptedOut(tenant: TenantRef, contactId: string, channelId: string): Promise<boolean> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ out: boolean }>(
        tx,
        `select opted_out_at is not null as out from contact_identities where tenant_id = $1 and contact_id = $2 and channel_id = $3 limit 1`,
        [tenant.tenantId, contactId, channelId],
      ),
    );
    return row?.out === true;
  }
}
