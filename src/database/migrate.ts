import { Client } from 'pg';
import { InvalidConfigError } from '../config/app-config';
import { DataSource } from 'typeorm';
import { distributeForCitus } from './citus-plan';
import { DIRECTORY_MIGRATIONS, REGION_MIGRATIONS } from './migrations';

export interface AppRole {
  name: string;
  password: string;
}

// Fixed key: every instance of the app serialises schema changes on the same lock.
const MIGRATION_LOCK_KEY = 7_274_173_001;

/**
 * Brings one region's database to the current schema as the owner role and (re)grants the app
 * role. Safe to run from several instances at once: a session advisory lock serialises them.
 * The directory's database answers the deployment's id; other regions are given it, so the app
 * role is labelled with it everywhere (see ensureAppRole). Answers the deployment id.
 */
export async function migrateRegionDatabase(
  ownerUrl: string,
  opts: { hostsDirectory: boolean; appRole: AppRole; deploymentId?: string },
): Promise<string | undefined> {
  const lock = new Client({ connectionString: ownerUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await runMigrations(ownerUrl, REGION_MIGRATIONS, 'migrations');
    if (opts.hostsDirectory) await runMigrations(ownerUrl, DIRECTORY_MIGRATIONS, 'directory_migrations');
    await distributeForCitus(lock); // only where the citus extension is installed
    const deploymentId = opts.hostsDirectory ? (await lock.query<{ id: string }>('select id from directory.deployment')).rows[0]?.id : opts.deploymentId;
    await ensureAppRole(lock, opts.appRole, deploymentId);
    await grantAppRole(lock, opts.appRole.name, opts.hostsDirectory);
    return deploymentId;
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}

async function runMigrations(url: string, migrations: Array<new () => unknown>, table: string): Promise<void> {
  const ds = new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: table,
    migrationsTransactionMode: 'all',
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    synchronize: false,
    logging: false,
  });
  await ds.initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
}

const ROLE_LABEL = 'MonkeyMachine app role of deployment ';

/**
 * Roles are cluster-wide while the advisory lock is per database, so two regions on one server
 * may race here: a duplicate or concurrently-updated role is simply retried.
 *
 * A role is labelled with the deployment that made it. One labelled for another deployment is
 * refused, before anything about it changes: resetting its password would lock that deployment
 * out of its own database. An unlabelled role (made before labels existed) is adopted.
 */
async function ensureAppRole(client: Client, role: AppRole, deploymentId: string | undefined): Promise<void> {
  const ident = quoteIdent(role.name);
  const password = quoteLiteral(role.password);
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await client.query<{ label: string | null }>(`select shobj_description(oid, 'pg_authid') as label from pg_roles where rolname = $1`, [
        role.name,
      ]);
      const label = rows[0]?.label ?? null;
      if (deploymentId && label?.startsWith(ROLE_LABEL) && label !== `${ROLE_LABEL}${deploymentId}`) {
        throw new InvalidConfigError(
          `DATABASE_APP_ROLE: role "${role.name}" belongs to another MonkeyMachine deployment on this server (${label.slice(ROLE_LABEL.length)}); ` +
            `its password is left alone. Give this deployment a role of its own: leave DATABASE_APP_ROLE unset (a name is derived from the database) or set another name`,
        );
      }
      const verb = rows.length ? 'alter' : 'create';
      await client.query(`${verb} role ${ident} login nosuperuser nobypassrls nocreatedb nocreaterole password ${password}`);
      if (deploymentId) await client.query(`comment on role ${ident} is ${quoteLiteral(`${ROLE_LABEL}${deploymentId}`)}`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || !(code === '42710' || code === '23505' || code === 'XX000')) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

async function grantAppRole(client: Client, roleName: string, hostsDirectory: boolean): Promise<void> {
  const role = quoteIdent(roleName);
  const { rows } = await client.query('select current_database() as db');
  await client.query(`grant connect on database ${quoteIdent(rows[0].db)} to ${role}`);
  await client.query(`grant usage on schema public to ${role}`);
  await client.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
  await client.query(`revoke all on table public.migrations from ${role}`);
  await client.query(`revoke update, delete, truncate on table public.audit_log from ${role}`); // append-only, whatever the grant above says
  await client.query(`grant usage on schema queue to ${role}`);
  await client.query(`grant select, insert, update, delete on all tables in schema queue to ${role}`);
  if (hostsDirectory) {
    await client.query(`grant usage on schema directory to ${role}`);
    await client.query(`grant select, insert, delete on all tables in schema directory to ${role}`);
    await client.query(`grant update on directory.deletion_requests to ${role}`);
    await client.query(`grant update on directory.auth_throttle to ${role}`);
    await client.query(`grant update (terminating_at, termination_code) on directory.tenants to ${role}`);
    // A reconnect records the business account its route belongs to (ChannelRoutes.claim).
    await client.query(`grant update (account_group) on directory.channel_routes to ${role}`);
    await client.query(`revoke all on table public.directory_migrations from ${role}`);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The same server and database as `ownerUrl`, logged in as the app role. */
export function appRoleUrl(ownerUrl: string, role: AppRole): string {
  const url = new URL(ownerUrl);
  url.username = encodeURIComponent(role.name);
  url.password = encodeURIComponent(role.password);
  return url.toString();
}
