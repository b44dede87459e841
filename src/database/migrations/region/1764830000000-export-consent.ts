import { MigrationInterface, QueryRunner } from 'typeorm';

/** An End User may consent to their data being exported to the Customer's own systems. */
export class ExportConsent1764830000000 implements MigrationInterface {
  name = 'ExportConsent1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_consents drop constraint contact_consents_purpose_check`);
    await q.query(
      `alter table contact_consents add constraint contact_consents_purpose_check check (purpose in ('whatsapp_opt_in', 'crm_enrichment', 'data_export'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from contact_consents where purpose = 'data_export'`);
    await q.query(`alter table contact_consents drop constraint contact_consents_purpose_check`);
    await q.query(`alter table contact_consents add constraint contact_consents_purpose_check check (purpose in ('whatsapp_opt_in', 'crm_enrichment'))`);
  }
}
