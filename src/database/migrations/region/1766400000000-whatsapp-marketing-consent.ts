import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WhatsApp users opt in to and out of a business's marketing messages on WhatsApp itself
 * (`user_preferences` webhooks): recorded as a consent of its own, apart from the opt-in to
 * business-initiated messages in general.
 */
export class WhatsappMarketingConsent1766400000000 implements MigrationInterface {
  name = 'WhatsappMarketingConsent1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_consents drop constraint contact_consents_purpose_check`);
    await q.query(
      `alter table contact_consents add constraint contact_consents_purpose_check check (purpose in ('whatsapp_opt_in', 'whatsapp_marketing', 'crm_enrichment', 'data_export'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from contact_consents where purpose = 'whatsapp_marketing'`);
    await q.query(`alter table contact_consents drop constraint contact_consents_purpose_check`);
    await q.query(
      `alter table contact_consents add constraint contact_consents_purpose_check check (purpose in ('whatsapp_opt_in', 'crm_enrichment', 'data_export'))`,
    );
  }
}
