/**
 * Writes the psql scripts of an offline move of one tenant to another region (README, Operations,
 * "Moving a tenant to another region"): `npm run tenant:move -- <source owner URL> <tenant id> <target region> <directory>`.
 * Changes nothing itself; the operator runs the scripts, in order, with the app stopped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { tenantMoveScripts } from '../src/database/tenant-move';

async function main(): Promise<void> {
  const [url, tenantId, targetRegion, dir] = process.argv.slice(2);
  if (!url || !tenantId || !targetRegion || !dir) throw new Error('usage: npm run tenant:move -- <source owner URL> <tenant id> <target region> <directory>');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const scripts = await tenantMoveScripts(db, tenantId, targetRegion);
    mkdirSync(dir, { recursive: true });
    const files = {
      '1-export-from-source.sql': scripts.exportSql,
      '2-import-into-target.sql': scripts.importSql,
      '3-switch-directory.sql': scripts.directorySql,
      '4-delete-from-source.sql': scripts.deleteSourceSql,
    };
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    console.log(`wrote ${Object.keys(files).join(', ')} into ${dir}; run each with psql from that directory`);
  } finally {
    await db.end();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
