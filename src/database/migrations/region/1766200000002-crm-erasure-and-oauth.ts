import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * An End User erased here stays erased from the CRM copies too: their CRM client's id (an id, no
 * personal data) is remembered per connection, and the sync stores neither that client again nor
 * its appointments and deals. The CRM itself is the Customer's: it is not changed.
 * OAuth2 CRMs (amoCRM, Kommo): the hash of the state of an authorization under way (single use).
 */
export class CrmErasureAndOauth1766200000002 implements MigrationInterface {
  name = 'CrmErasureAndOauth1766200000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table crm_suppressed_clients (
        tenant_id uuid not null,
        connection_id uuid not null,
        client_external_id text not null,
        suppressed_at timestamptz(3) not null default now(),
        primary key (tenant_id, connection_id, client_external_id),
        foreign key (tenant_id, connection_id) references crm_connections (tenant_id, id) on delete cascade
      )`);
    await enableTenantIsolation(q, 'crm_suppressed_clients');
    await q.query(`alter table crm_connections add column oauth_state_hash bytea`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table crm_connections drop column oauth_state_hash`);
    await q.query(`drop table crm_suppressed_clients`);
  }
}
