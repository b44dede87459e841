import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Client, type Pool } from 'pg';

/** WAL bytes of one relation (or of records naming none: commits and the like) over a stretch of WAL. */
export interface RelationWal {
  name: string;
  bytes: number;
}

/**
 * Where the WAL between two positions went, by relation of the database `db` (pg_waldump over the
 * server's pg_wal: needs the server on this machine and read access to its data directory; full
 * page images count in their record). Undefined when pg_waldump or the files cannot be read.
 * Records naming no relation of that database (commits, other databases' work) are left out.
 */
export async function walByRelation(db: Pool, from: string, to: string): Promise<RelationWal[] | undefined> {
  const info = (
    await db.query<{ dir: string; major: string; oid: number; flushed: boolean }>(
      `select current_setting('data_directory') as dir, current_setting('server_version_num')::int / 10000 as major,
              (select oid from pg_database where datname = current_database()) as oid,
              pg_current_wal_flush_lsn() >= $1::pg_lsn as flushed`,
      [to],
    )
  ).rows[0];
  const bin = [`/usr/lib/postgresql/${info.major}/bin/pg_waldump`, '/usr/bin/pg_waldump'].find((p) => existsSync(p));
  if (!bin || !info.flushed) return undefined;
  const byNode = new Map<string, number>();
  const marker = ` 1663/${info.oid}/`;
  const child = spawn(bin, ['-p', `${info.dir}/pg_wal`, '-s', from, '-e', to], { stdio: ['ignore', 'pipe', 'ignore'] });
  for await (const line of createInterface({ input: child.stdout })) {
    const at = line.indexOf(marker);
    if (at < 0) continue;
    const tot = /len \(rec\/tot\):\s*\d+\/\s*(\d+)/.exec(line);
    const node = /^(\d+)/.exec(line.slice(at + marker.length));
    if (tot && node) byNode.set(node[1], (byNode.get(node[1]) ?? 0) + Number(tot[1]));
  }
  if (byNode.size === 0) return undefined;
  const names = new Map(
    (
      await db.query<{ node: string; name: string }>(
        `select c.relfilenode::text as node, n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relfilenode = any($1::oid[])`,
        [[...byNode.keys()]],
      )
    ).rows.map((r) => [r.node, r.name]),
  );
  return [...byNode].map(([node, bytes]) => ({ name: names.get(node) ?? `relfilenode ${node}`, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Keeps the server from recycling WAL from now until the answer is called: a temporary physical
 * replication slot on a session of its own (it goes with the session). On a busy server the
 * checkpoints recycle segments within a minute, before a bench phase's stretch can be read.
 */
export async function retainWal(connectionString: string): Promise<() => Promise<void>> {
  const c = new Client({ connectionString });
  await c.connect();
  await c.query(`select pg_create_physical_replication_slot($1, true, true)`, [`bench_wal_${process.pid}`]);
  return () => c.end();
}
