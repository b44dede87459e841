import { Client } from 'pg';
import { InvalidConfigError } from '../config/app-config';

export interface PreflightTarget {
  /** Region name -> owner URL. */
  regionDatabaseUrls: Readonly<Record<string, string>>;
  defaultRegion: string;
  /** Which variable the URLs came from, to name it in the message. */
  databaseUrlVariable: string;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** One line naming the variable, the server and why it cannot be used. */
export function describeConnectionFailure(variable: string, url: string, err: unknown): string {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || 5432}`;
  const database = decodeURIComponent(u.pathname.slice(1)) || '(default)';
  const user = decodeURIComponent(u.username) || '(default)';
  const e = err as { code?: string; message?: string };
  const causes: Record<string, string> = {
    ECONNREFUSED: `connection refused: nothing listens on ${where} (is PostgreSQL running, on that port?)`,
    ENOTFOUND: `host ${u.hostname} not found (DNS)`,
    EAI_AGAIN: `host ${u.hostname} could not be resolved right now (DNS)`,
    ETIMEDOUT: `no answer from ${where} (firewall, or the wrong host?)`,
    EHOSTUNREACH: `host ${u.hostname} is unreachable`,
    '28P01': `password authentication failed for user "${user}"`,
    '28000': `the server refuses user "${user}" for database "${database}" (${e.message ?? 'pg_hba.conf'})`,
    '3D000': `database "${database}" does not exist (create it, e.g. createdb -h ${u.hostname} -p ${u.port || 5432} ${database})`,
    '57P03': 'the server is starting up or shutting down; try again',
  };
  const timedOut = /timeout/i.test(e.message ?? '');
  const cause = (e.code && causes[e.code]) ?? (timedOut ? causes.ETIMEDOUT : (e.message ?? String(err)));
  return `${variable}: cannot use PostgreSQL at ${where} (database ${database}): ${cause}`;
}

/**
 * Before anything else touches the databases: each region's server answers (else one line naming
 * the variable, host and cause), and DEFAULT_REGION is where the existing directory is. Changing
 * DEFAULT_REGION on existing data would start an empty directory elsewhere and leave every
 * organization unreachable, so it is refused with the region the data is in.
 */
export async function preflightDatabases(target: PreflightTarget): Promise<void> {
  const directories: Array<{ region: string; regions: string[] }> = [];
  for (const [region, url] of Object.entries(target.regionDatabaseUrls)) {
    const variable = target.databaseUrlVariable === 'REGION_DATABASE_URLS' ? `REGION_DATABASE_URLS (region ${region})` : target.databaseUrlVariable;
    const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new InvalidConfigError(describeConnectionFailure(variable, url, err));
    }
    try {
      const { rows: found } = await client.query<{ t: string | null }>(`select to_regclass('directory.tenants')::text as t`);
      const { rows } = found[0].t
        ? await client.query<{ regions: string[] }>(`select coalesce(array_agg(distinct region order by region), '{}') as regions from directory.tenants`)
        : { rows: [{ regions: null }] };
      if (rows[0].regions) directories.push({ region, regions: rows[0].regions });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const elsewhere = directories.find((d) => d.region !== target.defaultRegion && d.regions.length > 0);
  if (elsewhere) {
    throw new InvalidConfigError(
      `DEFAULT_REGION: the existing directory (the organizations and their regions) is in region ${elsewhere.region}'s database, but DEFAULT_REGION is ${target.defaultRegion}: set DEFAULT_REGION=${elsewhere.region} (the default region hosts the directory and cannot move)`,
    );
  }
  const home = directories.find((d) => d.region === target.defaultRegion);
  const configured = new Set(Object.keys(target.regionDatabaseUrls));
  const missing = (home?.regions ?? []).filter((r) => !configured.has(r));
  if (missing.length > 0) {
    const hint =
      configured.size === 1 && missing.length === 1
        ? `set DEFAULT_REGION=${missing[0]} (a region never changes once it holds data)`
        : `list ${missing.join(', ')} in REGION_DATABASE_URLS (a region never changes once it holds data)`;
    throw new InvalidConfigError(
      `DEFAULT_REGION: the data in this database is in region ${missing.join(', ')}, but the configured regions are ${[...configured].join(', ')} (DEFAULT_REGION=${target.defaultRegion}): ${hint}`,
    );
  }
}
