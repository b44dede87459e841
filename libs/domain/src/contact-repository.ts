import type { Contact } from './conversation';
import type { TenantRef } from './tenant';

/** Persistence port of the End Users the inbox knows: a contact with its identities on each channel. */
export abstract class ContactRepository {
  abstract findContact(tenant: TenantRef, id: string): Promise<Contact | null>;
}
