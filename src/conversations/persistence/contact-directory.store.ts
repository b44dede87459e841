import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Contact, ContactIdentity, Page, PageRequest, TenantRef } from '../../../libs/domain/src';
import { notFound } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { firstRow, rows } from '../../database/sql';

/** What a directory search matches: the raw text, and its E.164 form when it reads as a phone number. */
export interface ContactQuery {
  text: string;
  phone: string | null;
}

export interface NewContact {
  displayName: string | null;
  phone: string | null;
  email: string | null;
  customAttributes: Record<string, string | number>;
}

export type ContactChanges = Partial<Omit<NewContact, 'customAttributes'>> & {
  /** Checked values to set and keys to remove (see attributeChanges). */
  customAttributes?: { set: Record<string, string | number>; remove: string[] };
};

export interface ConsentResolution {
  purpose: string;
  granted: boolean;
  /** Whose record stands: the contact that stayed, or the one merged into it. */
  from: 'kept' | 'merged';
}

export interface ContactMerge {
  id: string;
  contactId: string;
  mergedContactId: string;
  mergedBy: string | null;
  moved: { identities: number; conversations: number; consents: number };
  consents: ConsentResolution[];
  mergedAt: Date;
}

type ContactRow = {
  id: string;
  display_name: string | null;
  phone: string | null;
  email: string | null;
  origin: 'channel' | 'agent';
  custom_attributes: Record<string, string | number>;
  created_at: Date;
  updated_at: Date;
};
const CONTACT_COLUMNS = `c.id, c.display_name, c.phone, c.email, c.origin, c.custom_attributes, c.created_at, c.updated_at`;

/** `%text%` for LIKE, with the pattern characters of the text taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/**
 * The contacts directory's SQL: listing and searching, creating and editing, merging two
 * contacts into one. Contacts made by inbound messages are written by the InboundRecorder.
 */
@Injectable()
export class ContactDirectoryStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /**
   * Newest first, keyset-paged. A query matches a name or e-mail containing it, a phone number
   * (E.164, or containing its digits), or a platform id (PSID, phone, e-mail address) exactly;
   * each kind of match reads its own index.
   */
  list(tenant: TenantRef, query: ContactQuery | null, page: PageRequest, attributes: Record<string, string | number> | null = null): Promise<Page<Contact>> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const params: unknown[] = [tenant.tenantId];
      const p = (v: unknown) => `$${params.push(v)}`;
      const where = [`c.tenant_id = $1`];
      if (attributes) where.push(`c.custom_attributes @> ${p(JSON.stringify(attributes))}::jsonb`);
      let from = `contacts c`;
      if (query) {
        const text = query.text;
        const branches = [
          `select id from contacts where tenant_id = $1 and display_name ilike ${p(containing(text))}`,
          `select id from contacts where tenant_id = $1 and lower(email) like ${p(containing(text.toLowerCase()))}`,
          `select contact_id from contact_identities where tenant_id = $1 and external_id = any(${p(exactIds(query))}::text[])`,
        ];
        const digits = text.replace(/\D/g, '');
        if (query.phone) branches.push(`select id from contacts where tenant_id = $1 and phone = ${p(query.phone)}`);
        if (digits.length >= 4 && /^[\d\s()+\-./]+$/.test(text))
          branches.push(`select id from contacts where tenant_id = $1 and phone like ${p(containing(digits))}`);
        from = `contacts c join (${branches.join(' union ')}) h (id) on h.id = c.id`;
      }
      if (page.after) where.push(`(c.created_at, c.id) < (${p(page.after.at)}, ${p(page.after.id)})`);
      const found = await rows<ContactRow>(
        tx,
        `select ${CONTACT_COLUMNS} from ${from} where ${where.join(' and ')} order by c.created_at desc, c.id desc limit ${p(page.limit + 1)}`,
        params,
      );
      const items = found.slice(0, page.limit);
      const contacts = await this.withIdentities(tx, tenant.tenantId, items);
      const last = items[items.length - 1];
      return { items: contacts, next: found.length > page.limit ? { at: last.created_at, id: last.id } : undefined };
    });
  }

  create(tenant: TenantRef, input: NewContact): Promise<Contact> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const row = await firstRow<ContactRow>(
        tx,
        `insert into contacts as c (tenant_id, display_name, phone, email, origin, display_name_locked, custom_attributes)
         values ($1, $2, $3, $4, 'agent', $2::text is not null, $5::jsonb)
         returning ${CONTACT_COLUMNS}`,
        [tenant.tenantId, input.displayName, input.phone, input.email, JSON.stringify(input.customAttributes)],
      );
      return (await this.withIdentities(tx, tenant.tenantId, [row!]))[0];
    });
  }

  /** Null when there is no such contact. A name set here is kept when the platform's profile name changes. */
  update(tenant: TenantRef, id: string, changes: ContactChanges): Promise<Contact | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const params: unknown[] = [tenant.tenantId, id];
      const set = ['updated_at = now()'];
      if (changes.displayName !== undefined)
        set.push(`display_name = $${params.push(changes.displayName)}`, `display_name_locked = $${params.length}::text is not null`);
      if (changes.phone !== undefined) set.push(`phone = $${params.push(changes.phone)}`);
      if (changes.email !== undefined) set.push(`email = $${params.push(changes.email)}`);
      if (changes.customAttributes) {
        const { set: values, remove } = changes.customAttributes;
        set.push(`custom_attributes = (custom_attributes - $${params.push(remove)}::text[]) || $${params.push(JSON.stringify(values))}::jsonb`);
      }
      const row = await firstRow<ContactRow>(
        tx,
        `update contacts c set ${set.join(', ')} where tenant_id = $1 and id = $2 returning ${CONTACT_COLUMNS}`,
        params,
      );
      return row ? (await this.withIdentities(tx, tenant.tenantId, [row]))[0] : null;
    });
  }

  /**
   * Moves everything of `otherId` to `keepId` and deletes it, in the caller's transaction:
   * identities, conversations, consents (where both have one for a purpose, the stricter
   * stands: a withdrawal or refusal over a grant), earlier merge records; fields `keepId`
   * lacks are taken over. Locks identities before contacts, the order inbound messages use.
   */
  async merge(
    tx: EntityManager,
    tenantId: string,
    keepId: string,
    otherId: string,
    by: string | null,
  ): Promise<{ contact: Contact; merge: ContactMerge; conversationIds: string[] }> {
    const both = [keepId, otherId];
    await rows(tx, `select id from contact_identities where tenant_id = $1 and contact_id = any($2::uuid[]) order by id for update`, [tenantId, both]);
    const locked = await rows<ContactRow & { display_name_locked: boolean }>(
      tx,
      `select ${CONTACT_COLUMNS}, c.display_name_locked from contacts c where tenant_id = $1 and id = any($2::uuid[]) order by id for update`,
      [tenantId, both],
    );
    const keep = locked.find((c) => c.id === keepId);
    const other = locked.find((c) => c.id === otherId);
    if (!keep || !other) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');

    const identities = await rows(tx, `update contact_identities set contact_id = $2 where tenant_id = $1 and contact_id = $3 returning id`, [
      tenantId,
      keepId,
      otherId,
    ]);
    const conversations = await rows<{ id: string }>(
      tx,
      `update conversations set contact_id = $2, updated_at = now() where tenant_id = $1 and contact_id = $3 returning id`,
      [tenantId, keepId, otherId],
    );

    type ConsentRow = { contact_id: string; purpose: string; granted: boolean };
    const consents = await rows<ConsentRow>(
      tx,
      `select contact_id, purpose, granted from contact_consents where tenant_id = $1 and contact_id = any($2::uuid[]) order by purpose for update`,
      [tenantId, both],
    );
    const resolutions: ConsentResolution[] = [];
    let movedConsents = 0;
    for (const theirs of consents.filter((c) => c.contact_id === otherId)) {
      const ours = consents.find((c) => c.contact_id === keepId && c.purpose === theirs.purpose);
      if (!ours) {
        await tx.query(`update contact_consents set contact_id = $2 where tenant_id = $1 and contact_id = $3 and purpose = $4`, [
          tenantId,
          keepId,
          otherId,
          theirs.purpose,
        ]);
        movedConsents++;
        continue;
      }
      if (ours.granted === theirs.granted) continue;
      // The stricter record stands whole: its value, source, time and author.
      const stricter = theirs.granted ? 'kept' : 'merged';
      if (stricter === 'merged') {
        await tx.query(
          `update contact_consents k set granted = o.granted, source = o.source, recorded_at = o.recorded_at, recorded_by = o.recorded_by
           from contact_consents o where k.tenant_id = $1 and k.contact_id = $2 and k.purpose = $4
             and o.tenant_id = $1 and o.contact_id = $3 and o.purpose = $4`,
          [tenantId, keepId, otherId, theirs.purpose],
        );
      }
      resolutions.push({ purpose: theirs.purpose, granted: false, from: stricter });
    }

    await tx.query(
      `update contacts k set display_name = coalesce(k.display_name, o.display_name), phone = coalesce(k.phone, o.phone), email = coalesce(k.email, o.email),
         custom_attributes = o.custom_attributes || k.custom_attributes,
         display_name_locked = case when k.display_name is null then o.display_name_locked else k.display_name_locked end, updated_at = now()
       from contacts o where k.tenant_id = $1 and k.id = $2 and o.tenant_id = $1 and o.id = $3`,
      [tenantId, keepId, otherId],
    );
    await tx.query(`update contact_merges set contact_id = $2 where tenant_id = $1 and contact_id = $3`, [tenantId, keepId, otherId]);
    // The other contact's links to CRM clients follow it (they would go with it by cascade).
    await tx.query(
      `insert into crm_links (tenant_id, contact_id, connection_id, client_external_id, matched_by, created_at)
       select tenant_id, $2, connection_id, client_external_id, matched_by, created_at from crm_links where tenant_id = $1 and contact_id = $3
       on conflict do nothing`,
      [tenantId, keepId, otherId],
    );
    await tx.query(`delete from contacts where tenant_id = $1 and id = $2`, [tenantId, otherId]);
    const moved = { identities: identities.length, conversations: conversations.length, consents: movedConsents };
    const record = await firstRow<{ id: string; merged_at: Date }>(
      tx,
      `insert into contact_merges (tenant_id, contact_id, merged_contact_id, merged_by, moved, consents) values ($1, $2, $3, $4, $5, $6) returning id, merged_at`,
      [tenantId, keepId, otherId, by, JSON.stringify(moved), JSON.stringify(resolutions)],
    );
    const [row] = await rows<ContactRow>(tx, `select ${CONTACT_COLUMNS} from contacts c where tenant_id = $1 and id = $2`, [tenantId, keepId]);
    const [contact] = await this.withIdentities(tx, tenantId, [row]);
    return {
      contact,
      merge: { id: record!.id, contactId: keepId, mergedContactId: otherId, mergedBy: by, moved, consents: resolutions, mergedAt: record!.merged_at },
      conversationIds: conversations.map((c) => c.id),
    };
  }

  /** The contact a merged-away id went into, if it was merged (for a helpful 404). */
  mergedInto(tenant: TenantRef, id: string): Promise<string | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const row = await firstRow<{ contact_id: string }>(
        tx,
        `select contact_id from contact_merges where tenant_id = $1 and merged_contact_id = $2 order by merged_at desc limit 1`,
        [tenant.tenantId, id],
      );
      return row?.contact_id ?? null;
    });
  }

  /** The merges that went into a contact, newest first. */
  merges(tenant: TenantRef, contactId: string): Promise<ContactMerge[]> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const found = await rows<{
        id: string;
        contact_id: string;
        merged_contact_id: string;
        merged_by: string | null;
        moved: ContactMerge['moved'];
        consents: ConsentResolution[];
        merged_at: Date;
      }>(
        tx,
        `select id, contact_id, merged_contact_id, merged_by, moved, consents, merged_at from contact_merges where tenant_id = $1 and contact_id = $2 order by merged_at desc, id desc limit 100`,
        [tenant.tenantId, contactId],
      );
      return found.map((m) => ({
        id: m.id,
        contactId: m.contact_id,
        mergedContactId: m.merged_contact_id,
        mergedBy: m.merged_by,
        moved: m.moved,
        consents: m.consents,
        mergedAt: m.merged_at,
      }));
    });
  }

  private async withIdentities(tx: EntityManager, tenantId: string, contacts: ContactRow[]): Promise<Contact[]> {
    if (contacts.length === 0) return [];
    const identities = await rows<{
      id: string;
      contact_id: string;
      channel_id: string;
      channel_kind: ContactIdentity['channelKind'];
      external_id: string;
      blocked_at: Date | null;
      created_at: Date;
    }>(
      tx,
      `select id, contact_id, channel_id, channel_kind, external_id, blocked_at, created_at from contact_identities
       where tenant_id = $1 and contact_id = any($2::uuid[]) order by created_at, id`,
      [tenantId, contacts.map((c) => c.id)],
    );
    return contacts.map((c) => ({
      id: c.id,
      displayName: c.display_name,
      phone: c.phone,
      email: c.email,
      origin: c.origin,
      customAttributes: c.custom_attributes,
      createdAt: c.created_at,
      updatedAt: c.updated_at,
      identities: identities
        .filter((i) => i.contact_id === c.id)
        .map((i) => ({
          id: i.id,
          contactId: i.contact_id,
          channelId: i.channel_id,
          channelKind: i.channel_kind,
          externalId: i.external_id,
          blockedAt: i.blocked_at,
          createdAt: i.created_at,
        })),
    }));
  }
}

/** Platform ids the query could be: as typed, lower-cased (e-mail), E.164 and its digits (WhatsApp ids have no plus). */
function exactIds(query: ContactQuery): string[] {
  const ids = new Set([query.text, query.text.toLowerCase()]);
  if (query.phone) ids.add(query.phone).add(query.phone.slice(1));
  return [...ids];
}
