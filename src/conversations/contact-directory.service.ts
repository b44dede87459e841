import { Injectable } from '@nestjs/common';
import type { Contact, Conversation, Page, PageRequest, TenantRef } from '../../libs/domain/src';
import { DomainError, invalid, normalizePhone, notFound, regionCountry } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { DomainEvents } from '../common/domain-events.service';
import { RegionDatabases } from '../database/region-databases';
import { AttributeDefinitionService } from './attribute-definitions.service';
import { ConversationService } from './conversation.service';
import { ContactChanges, ContactDirectoryStore, ContactMerge, NewContact } from './persistence/contact-directory.store';

export interface ContactInput {
  displayName?: string | null;
  phone?: string | null;
  email?: string | null;
  /** Values by key (null removes one), checked against the organization's contact attributes. */
  customAttributes?: Record<string, unknown>;
}

/**
 * The contacts directory agents work with: find, create, edit, list a contact's conversations,
 * and merge two contacts that are one person. Changes are recorded in the audit log (ids and
 * field names only).
 */
@Injectable()
export class ContactDirectoryService {
  constructor(
    private readonly store: ContactDirectoryStore,
    private readonly conversations: ConversationService,
    private readonly dbs: RegionDatabases,
    private readonly audit: AuditLog,
    private readonly events: DomainEvents,
    private readonly attributes: AttributeDefinitionService,
  ) {}

  /** `attributes`: `key:value` filters that must all hold. */
  async list(tenant: TenantRef, q: string | undefined, page: PageRequest, attributes?: string[]): Promise<Page<Contact>> {
    const text = q?.trim();
    const query = text ? { text, phone: /\d/.test(text) ? normalizePhone(text, regionCountry(tenant.region)) : null } : null;
    return this.store.list(tenant, query, page, await this.attributes.filter(tenant, 'contact', attributes));
  }

  async create(tenant: TenantRef, actor: string, input: ContactInput): Promise<Contact> {
    const customAttributes = input.customAttributes ? (await this.attributes.changes(tenant, 'contact', input.customAttributes)).set : {};
    const fields: NewContact = { displayName: input.displayName ?? null, phone: this.phone(tenant, input.phone), email: email(input.email), customAttributes };
    const contact = await this.store.create(tenant, fields);
    await this.audit.recordAlone(tenant, { actor: `user:${actor}`, action: 'contact.create', subject: `contact:${contact.id}`, decision: 'allow' });
    return contact;
  }

  async update(tenant: TenantRef, actor: string, id: string, input: ContactInput): Promise<Contact> {
    const changes: ContactChanges = {};
    if (input.displayName !== undefined) changes.displayName = input.displayName;
    if (input.phone !== undefined) changes.phone = this.phone(tenant, input.phone);
    if (input.email !== undefined) changes.email = email(input.email);
    if (input.customAttributes !== undefined) changes.customAttributes = await this.attributes.changes(tenant, 'contact', input.customAttributes);
    if (Object.keys(changes).length === 0) throw invalid('EMPTY_PATCH', 'Send displayName, phone, email and/or customAttributes');
    const contact = await this.store.update(tenant, id, changes);
    if (!contact) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
    await this.audit.recordAlone(tenant, {
      actor: `user:${actor}`,
      action: 'contact.update',
      subject: `contact:${id}`,
      decision: 'allow',
      reason: `fields: ${Object.keys(changes).join(', ')}`,
    });
    return contact;
  }

  async get(tenant: TenantRef, id: string): Promise<Contact> {
    try {
      return await this.conversations.getContact(tenant, id);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'CONTACT_NOT_FOUND') return this.missing(tenant, id);
      throw err;
    }
  }

  async conversationsOf(tenant: TenantRef, id: string, page: PageRequest): Promise<Page<Conversation>> {
    await this.get(tenant, id);
    return this.conversations.list(tenant, { contactId: id }, page);
  }

  /** Moves everything of `otherId` into `id` (see ContactDirectoryStore.merge), recorded and audited in the same transaction. */
  async merge(tenant: TenantRef, actor: string, id: string, otherId: string): Promise<{ contact: Contact; merge: ContactMerge }> {
    if (id === otherId) throw invalid('SAME_CONTACT', 'A contact cannot be merged into itself');
    const result = await this.dbs.unitOfWork(tenant, async (tx) => {
      const merged = await this.store.merge(tx, tenant.tenantId, id, otherId, actor);
      const { moved } = merged.merge;
      await this.audit.record(tx, tenant.tenantId, {
        actor: `user:${actor}`,
        action: 'contact.merge',
        subject: `contact:${id}`,
        decision: 'allow',
        reason: `merged contact:${otherId} (identities ${moved.identities}, conversations ${moved.conversations}, consents ${moved.consents}, conflicts ${merged.merge.consents.length})`,
      });
      for (const conversationId of merged.conversationIds)
        this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type: 'conversation.updated', data: { id: conversationId, contactId: id } });
      return merged;
    });
    return { contact: result.contact, merge: result.merge };
  }

  /** A missing contact: 404, saying where it went if it was merged into another. */
  async missing(tenant: TenantRef, id: string): Promise<never> {
    const into = await this.store.mergedInto(tenant, id);
    throw notFound(into ? 'CONTACT_MERGED' : 'CONTACT_NOT_FOUND', into ? `Contact was merged into ${into}` : 'Contact not found');
  }

  private phone(tenant: TenantRef, raw: string | null | undefined): string | null {
    if (raw === undefined || raw === null || raw.trim() === '') return null;
    const e164 = normalizePhone(raw, regionCountry(tenant.region));
    if (!e164) throw invalid('INVALID_PHONE', 'phone is not a valid phone number; write it in international format (+country code …)');
    return e164;
  }
}

const email = (raw: string | null | undefined): string | null => (raw ? raw.trim() : null);
