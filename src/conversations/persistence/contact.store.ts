import { Injectable } from '@nestjs/common';
import { Contact, ContactRepository, TenantRef } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { ContactEntity, ContactIdentityEntity } from './conversation.entities';

/** Contacts with their identities (see ContactRepository). */
@Injectable()
export class TypeOrmContactRepository extends ContactRepository {
  constructor(private readonly dbs: RegionDatabases) {
    super();
  }

  findContact(tenant: TenantRef, id: string): Promise<Contact | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const contact = await tx.findOne(ContactEntity, { where: { tenantId: tenant.tenantId, id } });
      if (!contact) return null;
      const identities = await tx.find(ContactIdentityEntity, { where: { tenantId: tenant.tenantId, contactId: id }, order: { createdAt: 'ASC' } });
      return {
        id: contact.id,
        displayName: contact.displayName,
        phone: contact.phone,
        email: contact.email,
        origin: contact.origin,
        customAttributes: contact.customAttributes,
        createdAt: contact.createdAt,
        updatedAt: contact.updatedAt,
        identities: identities.map((i) => ({
          id: i.id,
          contactId: i.contactId,
          channelId: i.channelId,
          channelKind: i.channelKind,
          externalId: i.externalId,
          blockedAt: i.blockedAt,
          createdAt: i.createdAt,
        })),
      };
    });
  }
}
