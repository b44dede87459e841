import { Injectable } from '@nestjs/common';
import type { InboundMessage, TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

// Twilio's standard opt-out and opt-in keywords (it stops delivering after them itself), and their Russian forms.
const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'СТОП', 'ОТПИСАТЬСЯ']);
const START = new Set(['START', 'UNSTOP', 'СТАРТ']);

/** What an inbound SMS says about consent: a message of just a keyword (any case, a trailing ! or .). */
export function smsKeyword(text: string | null | undefined): 'stop' | 'start' | null {
  if (!text) return null;
  const word = text
    .trim()
    .replace(/[.!]+$/, '')
    .toLocaleUpperCase('ru-RU');
  return STOP.has(word) ? 'stop' : START.has(word) ? 'start' : null;
}

/** SMS opt-outs on contact identities: recorded from inbound STOP, lifted by START, honoured on send. */
@Injectable()
export class SmsOptOuts {
  constructor(private readonly dbs: RegionDatabases) {}

  /** Records the keywords among these inbound messages (already stored, so their identities exist). */
  async recordKeywords(tenant: TenantRef, inbounds: readonly InboundMessage[]): Promise<void> {
    for (const i of inbounds) {
      if (i.channelKind !== 'sms') continue;
      const keyword = smsKeyword(i.text);
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
