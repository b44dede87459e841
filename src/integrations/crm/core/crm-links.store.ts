import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CrmAppointment, CrmClient, CrmDeal } from '../../../../libs/domain/src';
import { rows } from '../../../database/sql';

/** A CRM client linked to a contact, with what the inbox shows next to the conversation. */
export interface LinkedClientView {
  connectionId: string;
  connectionName: string;
  kind: string;
  matchedBy: 'phone' | 'email' | 'push';
  client: CrmClient;
  upcomingAppointments: CrmAppointment[];
  recentDeals: CrmDeal[];
}

/** How a contact identity and a CRM client are the same person: the E.164 number (SMS, WhatsApp) or the e-mail address. */
const MATCHES = `(
  (r.phone is not null and i.channel_kind in ('sms', 'whatsapp') and (i.external_id = r.phone or '+' || i.external_id = r.phone))
  or (r.email is not null and i.channel_kind = 'email' and lower(i.external_id) = r.email))`;

/**
 * `crm_links`: which contacts are which CRM clients (several links per contact allowed), made by
 * phone or e-mail when either side appears, or by a push; and the views the inbox reads.
 */
@Injectable()
export class CrmLinksStore {
  /** Links the connection's clients among `clientIds` to every contact with the same number or address. */
  async linkClients(tx: EntityManager, tenantId: string, connectionId: string, clientIds: string[]): Promise<number> {
    if (clientIds.length === 0) return 0;
    return (
      await rows(
        tx,
        `insert into crm_links (tenant_id, contact_id, connection_id, client_external_id, matched_by)
         select distinct on (i.contact_id, r.external_id) r.tenant_id, i.contact_id, r.connection_id, r.external_id,
                case when i.channel_kind = 'email' then 'email' else 'phone' end
         from crm_records r join contact_identities i on i.tenant_id = r.tenant_id and ${MATCHES}
         where r.tenant_id = $1 and r.connection_id = $2 and r.entity = 'client' and r.external_id = any($3) and not r.deleted
         on conflict do nothing returning 1`,
        [tenantId, connectionId, clientIds],
      )
    ).length;
  }

  /** Links a contact to every synced client (of any connection, or of `connectionId`) with its number or address. */
  async linkContact(tx: EntityManager, tenantId: string, contactId: string, connectionId?: string): Promise<number> {
    return (
      await rows(
        tx,
        `insert into crm_links (tenant_id, contact_id, connection_id, client_external_id, matched_by)
         select distinct on (r.connection_id, r.external_id) r.tenant_id, i.contact_id, r.connection_id, r.external_id,
                case when i.channel_kind = 'email' then 'email' else 'phone' end
         from contact_identities i join crm_records r on r.tenant_id = i.tenant_id and r.entity = 'client' and not r.deleted and ${MATCHES}
         where i.tenant_id = $1 and i.contact_id = $2 and ($3::uuid is null or r.connection_id = $3)
         on conflict do nothing returning 1`,
        [tenantId, contactId, connectionId ?? null],
      )
    ).length;
  }

  /**
   * Erasure of contacts: the CRM clients linked to them, their appointments and deals (the local
   * copies; the CRM is the Customer's) and the links go, and those clients are not synced again.
   * Answers counts per table.
   */
  async eraseForContacts(tx: EntityManager, tenantId: string, contactIds: string[]): Promise<Record<string, number>> {
    if (contactIds.length === 0) return {};
    const linked = await rows<{ connection_id: string; client_external_id: string }>(
      tx,
      `select distinct connection_id, client_external_id from crm_links where tenant_id = $1 and contact_id = any($2::uuid[])`,
      [tenantId, contactIds],
    );
    const counts: Record<string, number> = {};
    if (linked.length) {
      const conns = linked.map((l) => l.connection_id);
      const ids = linked.map((l) => l.client_external_id);
      await tx.query(
        `insert into crm_suppressed_clients (tenant_id, connection_id, client_external_id) select $1, c, e from unnest($2::uuid[], $3::text[]) as x(c, e) on conflict do nothing`,
        [tenantId, conns, ids],
      );
      const records = await rows(
        tx,
        `delete from crm_records r using unnest($2::uuid[], $3::text[]) as x(c, e)
         where r.tenant_id = $1 and r.connection_id = x.c and (r.client_external_id = x.e or (r.entity = 'client' and r.external_id = x.e)) returning 1`,
        [tenantId, conns, ids],
      );
      if (records.length) counts.crm_records = records.length;
    }
    const links = await rows(tx, `delete from crm_links where tenant_id = $1 and contact_id = any($2::uuid[]) returning 1`, [tenantId, contactIds]);
    if (links.length) counts.crm_links = links.length;
    return counts;
  }

  async contactExists(tx: EntityManager, tenantId: string, contactId: string): Promise<boolean> {
    return (await rows(tx, `select 1 from contacts where tenant_id = $1 and id = $2`, [tenantId, contactId])).length > 0;
  }

  async link(
    tx: EntityManager,
    tenantId: string,
    contactId: string,
    connectionId: string,
    clientExternalId: string,
    matchedBy: 'phone' | 'email' | 'push',
  ): Promise<void> {
    await tx.query(
      `insert into crm_links (tenant_id, contact_id, connection_id, client_external_id, matched_by) values ($1, $2, $3, $4, $5) on conflict do nothing`,
      [tenantId, contactId, connectionId, clientExternalId, matchedBy],
    );
  }

  async isLinked(tx: EntityManager, tenantId: string, contactId: string, connectionId: string): Promise<boolean> {
    return (
      (await rows(tx, `select 1 from crm_links where tenant_id = $1 and contact_id = $2 and connection_id = $3 limit 1`, [tenantId, contactId, connectionId]))
        .length > 0
    );
  }

  /** What identifies the contact to a CRM: its E.164 numbers (SMS, WhatsApp) and e-mail addresses, and its name. */
  async contactFields(tx: EntityManager, tenantId: string, contactId: string): Promise<{ name: string | null; phones: string[]; emails: string[] } | null> {
    const found = await rows<{ display_name: string | null; kinds: string[] | null; ids: string[] | null }>(
      tx,
      `select c.display_name, array_agg(i.channel_kind) filter (where i.id is not null) as kinds, array_agg(i.external_id) filter (where i.id is not null) as ids
       from contacts c left join contact_identities i on i.tenant_id = c.tenant_id and i.contact_id = c.id
       where c.tenant_id = $1 and c.id = $2 group by c.display_name`,
      [tenantId, contactId],
    );
    if (!found.length) return null;
    const r = found[0];
    const phones: string[] = [];
    const emails: string[] = [];
    (r.kinds ?? []).forEach((kind, n) => {
      const id = r.ids![n];
      if (kind === 'sms' || kind === 'whatsapp') phones.push(id.startsWith('+') ? id : `+${id}`);
      if (kind === 'email') emails.push(id.toLowerCase());
    });
    return { name: r.display_name, phones, emails };
  }

  /** The contact's linked clients, each with its upcoming appointments and recent deals. */
  async view(tx: EntityManager, tenantId: string, contactId: string, now: Date, limits = { appointments: 5, deals: 5 }): Promise<LinkedClientView[]> {
    const links = await rows(
      tx,
      `select l.connection_id, l.client_external_id, l.matched_by, c.name as connection_name, c.kind, r.data
       from crm_links l join crm_connections c on c.tenant_id = l.tenant_id and c.id = l.connection_id
       join crm_records r on r.tenant_id = l.tenant_id and r.connection_id = l.connection_id and r.entity = 'client' and r.external_id = l.client_external_id
       where l.tenant_id = $1 and l.contact_id = $2 and not r.deleted
       order by l.created_at, l.connection_id, l.client_external_id`,
      [tenantId, contactId],
    );
    const out: LinkedClientView[] = [];
    for (const l of links) {
      const appointments = await rows(
        tx,
        `select data from crm_records where tenant_id = $1 and connection_id = $2 and client_external_id = $3 and entity = 'appointment' and not deleted and starts_at >= $4
         order by starts_at limit $5`,
        [tenantId, l.connection_id, l.client_external_id, now, limits.appointments],
      );
      const deals = await rows(
        tx,
        `select data from crm_records where tenant_id = $1 and connection_id = $2 and client_external_id = $3 and entity = 'deal' and not deleted
         order by remote_updated_at desc nulls last limit $4`,
        [tenantId, l.connection_id, l.client_external_id, limits.deals],
      );
      out.push({
        connectionId: l.connection_id,
        connectionName: l.connection_name,
        kind: l.kind,
        matchedBy: l.matched_by,
        client: l.data,
        upcomingAppointments: appointments.map((a) => a.data),
        recentDeals: deals.map((d) => d.data),
      });
    }
    return out;
  }
}
