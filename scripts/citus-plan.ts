/**
 * Prints what the migrator would tell Citus for one region database (`npm run citus:plan -- <owner URL>`,
 * default DATABASE_URL): the reference and distributed tables in the order they would be created,
 * what stays on the coordinator and why, and any blocker. Read-only; it also serves as the
 * foreign-key order for copying one tenant's rows into another region (README, Operations).
 */
import { Client } from 'pg';
import { planCitus } from '../src/database/citus-plan';

async function main(): Promise<void> {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  if (!url) throw new Error('usage: npm run citus:plan -- postgres://owner@host/region_db (or set DATABASE_URL)');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const plan = await planCitus(db);
    for (const s of plan.statements) console.log(`${s};`);
    for (const l of plan.local) console.log(`-- stays on the coordinator: ${l.table} (${l.reason})`);
    for (const b of plan.blockers) console.log(`-- BLOCKER: ${b}`);
    if (plan.blockers.length) process.exitCode = 1;
  } finally {
    await db.end();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
