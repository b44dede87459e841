import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type ChannelKind, MediaStore, type TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { CrmLinksStore } from '../integrations/crm/core/crm-links.store';
import { JobQueue } from '../queue/job-queue.service';
import { forgetMatches } from './meta-id-matches.store';
import { TenantDirectory } from '../tenancy/tenant-directory.store';

export type ErasureCounts = Record<string, number>;

/** Who is to be forgotten: one contact of a tenant, or a platform user wherever they appear. */
export type ErasureSubject = { contactId: string } | { channelKinds: readonly ChannelKind[]; externalId: string };

/** A stable, non-reversible name for a subject in receipts (no personal data in the clear). */
export function subjectHash(subject: ErasureSubject): string {
  const key = 'contactId' in subject ? `contact:${subject.contactId}` : `${[...subject.channelKinds].sort().join(',')}:${subject.externalId}`;
  return createHash('sha256').update(`mm-erasure\0${key}`).digest('hex');
}

export const addCounts = (into: ErasureCounts, from: ErasureCounts) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
};

/**
 * Erases every trace of a subject inside one tenant: messages, conversations (and their notes),
 * raw webhook payloads and their queue jobs, identities, consents, and the contact once it has
 * no identity left. One transaction: it all goes, or nothing does.
 */
@Injectable()
export class ErasureService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly queue: JobQueue,
    private readonly crm: CrmLinksStore,
    private readonly media: MediaStore,
  ) {}

  /** Whether the tenant has anything of the subject (a contact, or an identity of the platform user). */
  async holds(tenant: TenantRef, subject: ErasureSubject): Promise<boolean> {
    const found = await this.dbs.forTenant(tenant, (tx) =>
      'contactId' in subject
        ? firstRow(tx, `select 1 from contacts where tenant_id = $1 and id = $2`, [tenant.tenantId, subject.contactId])
        : firstRow(tx, `select 1 from contact_identities where tenant_id = $1 and channel_kind = any($2) and external_id = $3 limit 1`, [
            tenant.tenantId,
            subject.channelKinds,
            subject.externalId,
          ]),
    );
    return found !== undefined;
  }

  /**
   * Erases and records the receipt in the same transaction: no erasure without its proof. A
   * request run again (it had failed elsewhere) adds what it erased now to the tenant's receipt.
   */
  async eraseWithReceipt(tenant: TenantRef, subject: ErasureSubject, receipt: { code: string; scope: string; requestedAt: Date }): Promise<ErasureCounts> {
    const counts = await this.dbs.forTenant(tenant, async (tx) => {
      const counts = await this.erase(tx, tenant.tenantId, subject);
      await tx.query(
        `insert into deletion_receipts as r (tenant_id, request_code, subject_hash, scope, counts, requested_at) values ($1, $2, $3, $4, $5, $6)
         on conflict (tenant_id, request_code) do update set completed_at = now(), counts = (
           select coalesce(jsonb_object_agg(k, coalesce((r.counts ->> k)::int, 0) + coalesce((excluded.counts ->> k)::int, 0)), '{}')
           from jsonb_object_keys(r.counts || excluded.counts) as k)`,
        [tenant.tenantId, receipt.code, subjectHash(subject), receipt.scope, JSON.stringify(counts), receipt.requestedAt],
      );
      return counts;
    });
    // Committed: file bytes kept outside the database go now too, not at the next hourly purge.
    await this.media.collect(tenant);
    return counts;
  }

  /** Tenants of a region that hold an identity of the platform user (the app role reads per tenant). */
  async tenantsHolding(region: string, channelKinds: readonly ChannelKind[], externalId: string): Promise<TenantRef[]> {
    const holding: TenantRef[] = [];
    for (const tenant of await this.directory.tenantsIn(region)) {
      if (await this.holds(tenant, { channelKinds, externalId })) holding.push(tenant);
    }
    return holding;
  }

  private async erase(tx: EntityManager, t: string, subject: ErasureSubject): Promise<ErasureCounts> {
    const identities = await rows<{ id: string; contact_id: string; channel_id: string; external_id: string }>(
      tx,
      'contactId' in subject
        ? `select id, contact_id, channel_id, external_id from contact_identities where tenant_id = $1 and contact_id = $2 for update`
        : `select id, contact_id, channel_id, external_id from contact_identities where tenant_id = $1 and channel_kind = any($2) and external_id = $3 for update`,
      'contactId' in subject ? [t, subject.contactId] : [t, subject.channelKinds, subject.externalId],
    );
    // Graph's matches naming these ids go too. Not counted: the request that recorded them is
    // usually the one erasing them, and they hold no more than the ids it erases.
    await forgetMatches(tx, t, [...new Set([...identities.map((i) => i.external_id), ...('externalId' in subject ? [subject.externalId] : [])])]);
    const wholeContact = 'contactId' in subject;
    const contactIds = wholeContact ? [subject.contactId] : [...new Set(identities.map((i) => i.contact_id))];
    const counts: ErasureCounts = {};
    const count = (table: string, n: number) => {
      if (n) counts[table] = (counts[table] ?? 0) + n;
      return n;
    };
    const del = async (table: string, sql: string, params: unknown[]) => count(table, (await rows(tx, sql, params)).length);

    // Raw payloads name the platform user; match the quoted id within the identity's channel.
    for (const i of identities) {
      const events = await rows<{ id: string }>(
        tx,
        `delete from inbound_events where tenant_id = $1 and channel_id = $2 and strpos(payload::text, $3) > 0 returning id`,
        [t, i.channel_id, JSON.stringify(i.external_id)],
      );
      await del('webchat_sessions', `delete from webchat_sessions where tenant_id = $1 and channel_id = $2 and visitor_id = $3 returning id`, [
        t,
        i.channel_id,
        i.external_id,
      ]);
      if (events.length) {
        counts.inbound_events = (counts.inbound_events ?? 0) + events.length;
        count(
          'queue_jobs',
          await this.queue.discard(
            tx,
            'inbound',
            t,
            events.map((e) => e.id),
          ),
        );
      }
    }
    if (contactIds.length === 0) return counts;

    // A platform user's conversations are those on their identities' channels; the contact's
    // other channels (the same person by e-mail, say) are another subject.
    const conversations = wholeContact
      ? await rows<{ id: string }>(tx, `select id from conversations where tenant_id = $1 and contact_id = $2`, [t, subject.contactId])
      : await rows<{ id: string }>(
          tx,
          `select c.id from conversations c join unnest($2::uuid[], $3::uuid[]) as p(contact_id, channel_id)
             on c.contact_id = p.contact_id and c.channel_id = p.channel_id where c.tenant_id = $1`,
          [t, identities.map((i) => i.contact_id), identities.map((i) => i.channel_id)],
        );
    const conversationIds = conversations.map((c) => c.id);
    if (conversationIds.length) {
      const messages = await rows<{ id: string }>(tx, `delete from messages where tenant_id = $1 and conversation_id = any($2::uuid[]) returning id`, [
        t,
        conversationIds,
      ]);
      if (messages.length) {
        counts.messages = messages.length;
        count(
          'queue_jobs',
          await this.queue.discard(
            tx,
            'outbound',
            t,
            messages.map((m) => m.id),
          ),
        );
      }
      await del('notes', `delete from notes where tenant_id = $1 and conversation_id = any($2::uuid[]) returning id`, [t, conversationIds]);
      await del('conversations', `delete from conversations where tenant_id = $1 and id = any($2::uuid[]) returning id`, [t, conversationIds]);
    }
    await del('contact_identities', `delete from contact_identities where tenant_id = $1 and id = any($2::uuid[]) returning id`, [
      t,
      identities.map((i) => i.id),
    ]);
    // The contact goes with its last identity (consents with it, by cascade).
    const orphans = await rows<{ id: string }>(
      tx,
      `select id from contacts c where tenant_id = $1 and id = any($2::uuid[])
         and ($3 or not exists (select 1 from contact_identities i where i.tenant_id = c.tenant_id and i.contact_id = c.id))`,
      [t, contactIds, wholeContact],
    );
    if (orphans.length) {
      const ids = orphans.map((o) => o.id);
      // The local copies of their CRM clients (records, appointments, deals) and the links.
      addCounts(counts, await this.crm.eraseForContacts(tx, t, ids));
      await del('contact_consents', `delete from contact_consents where tenant_id = $1 and contact_id = any($2::uuid[]) returning contact_id`, [t, ids]);
      await del('contact_merges', `delete from contact_merges where tenant_id = $1 and contact_id = any($2::uuid[]) returning id`, [t, ids]);
      await del('conversations', `delete from conversations where tenant_id = $1 and contact_id = any($2::uuid[]) returning id`, [t, ids]);
      await del('contacts', `delete from contacts where tenant_id = $1 and id = any($2::uuid[]) returning id`, [t, ids]);
    }
    return counts;
  }
}
