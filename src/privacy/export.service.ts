import { Injectable } from '@nestjs/common';
import type { ChannelKind, TenantRef } from '../../libs/domain/src';
import { DataOrigin, decide } from '../../libs/policy/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { RegionDatabases } from '../database/region-databases';
import { rows, type SqlRow } from '../database/sql';
import { AuditLog } from '../audit/audit-log.store';

const BATCH = 500;

interface ContactRow {
  id: string;
  display_name: string | null;
  custom_attributes: Record<string, string | number>;
  created_at: Date;
  identities: Array<{ channelKind: ChannelKind; channelId: string; externalId: string }>;
  export_consent: boolean;
}

export interface ExportedContact {
  id: string;
  displayName: string | null;
  customAttributes: Record<string, string | number>;
  createdAt: Date;
  identities: Array<{ channelKind: ChannelKind; channelId: string; externalId: string }>;
}

export interface ExportedMessage {
  conversationId: string;
  contactId: string;
  channelId: string;
  messageId: string;
  direction: string;
  sentAt: Date;
  text: string | null;
  /** References to the files, never their bytes: each is downloaded through the API by `path`. */
  attachments: ExportedAttachment[];
}

export interface ExportedAttachment {
  type: string;
  name: string | null;
  mimeType: string | null;
  size: number | null;
  sha256: string | null;
  path: string;
}

const attachmentRefs = (conversationId: string, messageId: string, list: Array<Record<string, unknown>> | null): ExportedAttachment[] =>
  (list ?? []).map((a, index) => ({
    type: String(a.type),
    name: typeof a.name === 'string' ? a.name : null,
    mimeType: typeof a.mimeType === 'string' ? a.mimeType : null,
    size: typeof a.size === 'number' ? a.size : null,
    sha256: typeof a.sha256 === 'string' ? a.sha256 : null,
    path: `/api/conversations/${conversationId}/messages/${messageId}/attachments/${index}`,
  }));

/** The most restrictive origin among a contact's identities decides what may leave. */
const RESTRICTED: DataOrigin[] = ['meta', 'whatsapp'];
function contactOrigin(identities: ContactRow['identities'], originOf: (kind: ChannelKind) => DataOrigin): DataOrigin | null {
  const origins = identities.map((i) => originOf(i.channelKind));
  return origins.find((o) => RESTRICTED.includes(o)) ?? origins[0] ?? null;
}

/**
 * Streams a tenant's contacts and conversations for its own systems, purpose `customer_export`,
 * batch by batch (never the whole set in memory). Meta- and WhatsApp-origin contacts leave only
 * with their recorded consent; what is withheld is counted and audited.
 */
@Injectable()
export class ExportService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly audit: AuditLog,
    private readonly adapters: ChannelAdapters,
  ) {}

  async *contacts(tenant: TenantRef, actor: string): AsyncGenerator<ExportedContact> {
    let withheld = 0;
    for await (const batch of this.contactBatches(tenant)) {
      for (const c of batch) {
        if (!this.allowed(c)) {
          withheld++;
          continue;
        }
        yield { id: c.id, displayName: c.display_name, customAttributes: c.custom_attributes, createdAt: c.created_at, identities: c.identities };
      }
    }
    await this.recordWithheld(tenant, actor, 'contacts', withheld);
  }

  async *messages(tenant: TenantRef, actor: string): AsyncGenerator<ExportedMessage> {
    let withheld = 0;
    for await (const batch of this.contactBatches(tenant)) {
      const allowed = batch.filter((c) => this.allowed(c) || (withheld++, false));
      if (allowed.length === 0) continue;
      // Keyset over messages of these contacts, a batch at a time.
      let after: { at: Date; id: string } | null = null;
      for (;;) {
        const found: Array<SqlRow> = await this.dbs.forTenant(tenant, (tx) =>
          rows(
            tx,
            `select m.conversation_id, c.contact_id, m.channel_id, m.id, m.direction, m.sent_at, m.text, m.attachments
             from messages m join conversations c on c.tenant_id = m.tenant_id and c.id = m.conversation_id
             where m.tenant_id = $1 and c.contact_id = any($2::uuid[]) and ($3::timestamptz is null or (m.sent_at, m.id) > ($3, $4::uuid))
             order by m.sent_at, m.id limit ${BATCH}`,
            [tenant.tenantId, allowed.map((c) => c.id), after?.at ?? null, after?.id ?? null],
          ),
        );
        for (const m of found) {
          yield {
            conversationId: m.conversation_id,
            contactId: m.contact_id,
            channelId: m.channel_id,
            messageId: m.id,
            direction: m.direction,
            sentAt: m.sent_at,
            text: m.text,
            attachments: attachmentRefs(m.conversation_id, m.id, m.attachments),
          };
        }
        if (found.length < BATCH) break;
        const last = found[found.length - 1];
        after = { at: last.sent_at, id: last.id };
      }
    }
    await this.recordWithheld(tenant, actor, 'conversations', withheld);
  }

  private allowed(c: ContactRow): boolean {
    const origin = contactOrigin(c.identities, (kind) => this.adapters.dataOrigin(kind));
    return origin === null || decide(origin, 'customer_export', { consent: c.export_consent }).allowed;
  }

  private async *contactBatches(tenant: TenantRef): AsyncGenerator<ContactRow[]> {
    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const batch: ContactRow[] = await this.dbs.forTenant(tenant, (tx) =>
        rows<ContactRow>(
          tx,
          `select c.id, c.display_name, c.custom_attributes, c.created_at,
                  coalesce((select json_agg(json_build_object('channelKind', i.channel_kind, 'channelId', i.channel_id, 'externalId', i.external_id) order by i.created_at)
                            from contact_identities i where i.tenant_id = c.tenant_id and i.contact_id = c.id), '[]') as identities,
                  exists (select 1 from contact_consents k where k.tenant_id = c.tenant_id and k.contact_id = c.id and k.purpose = 'data_export' and k.granted) as export_consent
           from contacts c where c.tenant_id = $1 and ($2::timestamptz is null or (c.created_at, c.id) > ($2, $3::uuid))
           order by c.created_at, c.id limit ${BATCH}`,
          [tenant.tenantId, after?.at ?? null, after?.id ?? null],
        ),
      );
      if (batch.length) yield batch;
      if (batch.length < BATCH) return;
      after = { at: batch[batch.length - 1].created_at, id: batch[batch.length - 1].id };
    }
  }

  private async recordWithheld(tenant: TenantRef, actor: string, what: string, withheld: number): Promise<void> {
    await this.audit.recordAlone(tenant, {
      actor,
      action: `export.${what}`,
      subject: `export:${what}`,
      decision: withheld ? 'deny' : 'allow',
      reason: withheld
        ? `${withheld} Meta/WhatsApp-origin contact(s) withheld: no recorded consent to export (purpose customer_export)`
        : 'purpose customer_export',
    });
  }
}
