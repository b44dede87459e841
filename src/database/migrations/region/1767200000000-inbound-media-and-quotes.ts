import { MigrationInterface, QueryRunner } from 'typeorm';
import { setJobKinds } from './job-kinds';

/**
 * Issue 16, items 4 and 5. The work queue learns the `media` kind: one job per inbound message
 * whose files are copied from the platform into the media store (the outcome lives in the
 * message's attachments, the bytes in uploads and media_blobs). An agent's reply may quote a
 * message of its conversation: `reply_to_id` names it by our id (its platform id may not be known
 * yet when the reply is queued); inbound replies keep naming theirs by platform id.
 */
export class InboundMediaAndQuotes1767200000000 implements MigrationInterface {
  name = 'InboundMediaAndQuotes1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await setJobKinds(q, (kinds) => [...new Set([...kinds, 'media'])]);
    await q.query(`alter table messages add column reply_to_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages drop column reply_to_id`);
    await q.query(`delete from queue.jobs where kind = 'media'`);
    await setJobKinds(q, (kinds) => kinds.filter((k) => k !== 'media'));
  }
}
