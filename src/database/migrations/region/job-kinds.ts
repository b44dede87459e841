import type { QueryRunner } from 'typeorm';

/** Rewrites queue.jobs' kind check from the kinds it lists now (whatever migrations ran before). */
export async function setJobKinds(q: QueryRunner, change: (kinds: string[]) => string[]): Promise<void> {
  const [row] = await q.query(
    `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'queue.jobs'::regclass and conname = 'jobs_kind_check'`,
  );
  const kinds = [...String(row?.def ?? '').matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  const next = change(kinds).map((k) => `'${k.replace(/[^a-z_]/g, '')}'`);
  await q.query(`alter table queue.jobs drop constraint jobs_kind_check`);
  await q.query(`alter table queue.jobs add constraint jobs_kind_check check (kind in (${next.join(', ')}))`);
}
