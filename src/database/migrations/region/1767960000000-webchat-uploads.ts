import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Files a web chat visitor attaches: uploaded first, under their session (so erasing the visitor,
 * which deletes their sessions, deletes files they never sent too), then named by their message.
 * When the inbound processor stores that message (on either insert path), a trigger hands the
 * session's uploads it names to it; from then on they go with the message like every sent file.
 * Only an unsent visitor upload of a session of the message's own channel can be handed over.
 */
export class WebchatUploads1767960000000 implements MigrationInterface {
  name = 'WebchatUploads1767960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table uploads add column webchat_session_id uuid`);
    await q.query(
      `alter table uploads add constraint uploads_webchat_session_fkey foreign key (tenant_id, webchat_session_id) references webchat_sessions (tenant_id, id) on delete cascade`,
    );
    await q.query(`create index uploads_webchat_session_idx on uploads (tenant_id, webchat_session_id) where webchat_session_id is not null`);
    await q.query(`
      create function uploads_claim_for_message() returns trigger language plpgsql as $$
      begin
        update uploads u set message_id = new.id
        where u.tenant_id = new.tenant_id and u.message_id is null and u.webchat_session_id is not null
          and u.id::text in (select a ->> 'uploadId' from jsonb_array_elements(new.attachments) a)
          and exists (select 1 from webchat_sessions s where s.tenant_id = u.tenant_id and s.id = u.webchat_session_id and s.channel_id = new.channel_id);
        return null;
      end $$`);
    await q.query(`
      create trigger messages_claim_uploads after insert on messages for each row
      when (new.direction = 'inbound' and jsonb_typeof(new.attachments) = 'array' and new.attachments @? '$[*].uploadId')
      execute function uploads_claim_for_message()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger messages_claim_uploads on messages`);
    await q.query(`drop function uploads_claim_for_message()`);
    await q.query(`alter table uploads drop column webchat_session_id`);
  }
}
