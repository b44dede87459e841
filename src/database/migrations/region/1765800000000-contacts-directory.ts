import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * The contacts directory: contacts an agent creates and edits (name, phone in E.164, e-mail),
 * found by name, phone, e-mail or platform id, and merged when two turn out to be one person.
 *
 * - `origin`: 'channel' (made by an inbound message) or 'agent' (POST /api/contacts). The
 *   retention purge removes a channel contact as soon as nothing refers to it; an agent's
 *   contact is directory data and goes only under the retention setting, like the rest.
 * - `display_name_locked`: an agent set the name; the platform's profile name no longer
 *   overwrites it on the next inbound message.
 * - pg_trgm (a trusted extension, shipped with PostgreSQL's contrib on the embedded server and
 *   the CI server) backs substring and similarity search on names, phones and e-mails.
 * - contact_merges: what each merge did (ids and counts only), with the contact that stayed;
 *   it goes with that contact (erasure, termination by cascade).
 */
export class ContactsDirectory1765800000000 implements MigrationInterface {
  name = 'ContactsDirectory1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create extension if not exists pg_trgm`);
    await q.query(`
      alter table contacts
        add column phone text,
        add column email text,
        add column origin text not null default 'channel' check (origin in ('channel', 'agent')),
        add column display_name_locked boolean not null default false`);
    await q.query(`create index contacts_directory_idx on contacts (tenant_id, created_at desc, id desc)`);
    await q.query(`create index contacts_name_trgm_idx on contacts using gin (display_name gin_trgm_ops)`);
    await q.query(`create index contacts_phone_trgm_idx on contacts using gin (phone gin_trgm_ops)`);
    await q.query(`create index contacts_email_trgm_idx on contacts using gin (lower(email) gin_trgm_ops)`);
    await q.query(`create index conversations_by_contact_idx on conversations (tenant_id, contact_id, last_message_at desc, id desc)`);
    // A platform id typed into the search box (a phone number, an e-mail address, a PSID).
    await q.query(`create index contact_identities_external_idx on contact_identities (tenant_id, external_id)`);

    await q.query(`
      create table contact_merges (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        contact_id uuid not null,
        merged_contact_id uuid not null,
        merged_by uuid,
        moved jsonb not null default '{}',
        consents jsonb not null default '[]',
        merged_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index contact_merges_contact_idx on contact_merges (tenant_id, contact_id, merged_at desc)`);
    await q.query(`create index contact_merges_merged_idx on contact_merges (tenant_id, merged_contact_id)`);
    await enableTenantIsolation(q, 'contact_merges');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table contact_merges`);
    await q.query(`drop index contact_identities_external_idx`);
    await q.query(`drop index conversations_by_contact_idx`);
    await q.query(`drop index contacts_email_trgm_idx`);
    await q.query(`drop index contacts_phone_trgm_idx`);
    await q.query(`drop index contacts_name_trgm_idx`);
    await q.query(`drop index contacts_directory_idx`);
    await q.query(`alter table contacts drop column display_name_locked, drop column origin, drop column email, drop column phone`);
  }
}
