import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A platform's own name for a deletion request (a digest of Meta's signed_request signature), so
 * that the same request delivered again answers with the same confirmation code instead of
 * opening a new one. A digest of a MAC names the request, not its subject: without the app secret
 * it cannot be traced back to a person.
 */
export class DeletionRequestKeys1765100000001 implements MigrationInterface {
  name = 'DeletionRequestKeys1765100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.deletion_requests add column request_key text`);
    await q.query(`create unique index deletion_requests_request_key_idx on directory.deletion_requests (request_key) where request_key is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.deletion_requests drop column request_key`);
  }
}
