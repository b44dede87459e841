import { createHash } from 'node:crypto';
import { Query, type Pool, type PoolClient, type QueryResult } from 'pg';
import type { EntityManager } from 'typeorm';

const SET_TENANT = `select set_config('app.tenant_id', $1, true)`;
/** The same, and the prepared statement that follows runs its generic plan (see TenantStatementOptions). */
const SET_TENANT_GENERIC = `select set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)`;

export interface TenantStatementOptions {
  /**
   * Plan the statement once per connection and reuse that plan, never replanning per call.
   * PostgreSQL plans a prepared statement afresh for its first five calls and then keeps doing so
   * whenever the generic plan's estimate looks worse than the custom plans' average: for the
   * inbox list (a dozen joins and lateral probes, row-level security on each) that was every
   * call, and planning cost several times the execution (at 1,000,000 messages: 12 ms planning,
   * 2.5 ms execution). Only for statements whose good plan does not depend on the values bound:
   * keyset pages over an index, with the page size written into the text.
   */
  genericPlan?: boolean;
  /**
   * Answer each row as an array of the texts PostgreSQL sent, in column order, none parsed (no
   * Date, no JSON.parse): for rows the app writes out as they came rather than computes with.
   */
  rawRows?: boolean;
}

/** pg's type parsers for rawRows: every value stays the text PostgreSQL sent. */
export const RAW_TEXT = { getTypeParser: () => (text: string) => text };

/** What pg's Query takes besides text and values, for a statement's options. */
export const rowShapeOf = (opts: TenantStatementOptions) => (opts.rawRows ? { rowMode: 'array' as const, types: RAW_TEXT } : {});

/**
 * A connection keeps at most this many statements prepared; past it, new ones run unprepared.
 * Statements are built from a bounded set of filter shapes, so this is a guard, not a working limit.
 */
export const MAX_PREPARED_PER_CONNECTION = 200;

interface ExtendedConnection {
  parsedStatements: Record<string, string>;
  parse(msg: { text: string; name?: string }): void;
  bind(msg: { portal: string; statement: string; values: unknown[] }): void;
  describe(msg: { type: 'P'; name: string }): void;
  execute(msg: { portal: string; rows: number }): void;
}

/** Names by text, so a hot statement's few kilobytes are not hashed again on every call; bounded, as the texts are. */
const names = new Map<string, string>();
const MAX_NAMES = 500;

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `mm_${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`;
    if (names.size >= MAX_NAMES) names.clear();
    names.set(text, name);
  }
  return name;
}

/**
 * A statement preceded by `set_config('app.tenant_id', ...)` in the same message batch, before
 * one Sync: PostgreSQL runs the messages up to a Sync as one implicit transaction, so the setting
 * (local to that transaction) governs the statement's row-level security and ends with it. One
 * round trip and one write, where BEGIN, set_config, the statement and COMMIT take four.
 * (pg's Query sends parse, bind, describe, execute, sync; this sends the setting's first.)
 *
 * The statement is prepared under a name derived from its text, once per connection: PostgreSQL
 * then plans it once (a generic plan) instead of on every call, and planning the list's joins
 * costs about as much as running them.
 */
class TenantScopedQuery extends Query {
  constructor(
    private readonly tenantId: string,
    text: string,
    values: unknown[],
    private readonly genericPlan: boolean,
    rowShape: ReturnType<typeof rowShapeOf>,
  ) {
    super({ text, values, queryMode: 'extended', name: statementName(text), ...rowShape } as never);
  }

  declare name: string | undefined;

  prepare(connection: ExtendedConnection): void {
    if (this.name && !connection.parsedStatements[this.name] && Object.keys(connection.parsedStatements).length >= MAX_PREPARED_PER_CONNECTION)
      this.name = undefined;
    // Unprepared (past the limit above), a generic plan would be planned on every call all the same, and worse.
    const setting = this.genericPlan && this.name ? SET_TENANT_GENERIC : SET_TENANT;
    // The setting is a prepared statement of its own too (parsed and planned once per connection,
    // not on every call). Recorded as parsed when sent: after any failure the connection is discarded.
    const settingName = setting === SET_TENANT ? 'mm_set_tenant' : 'mm_set_tenant_generic';
    if (connection.parsedStatements[settingName] === undefined) {
      connection.parse({ text: setting, name: settingName });
      connection.parsedStatements[settingName] = setting;
    }
    connection.bind({ portal: '', statement: settingName, values: [this.tenantId] });
    // Described, so its one row arrives as a result of its own (pg's multi-result path) and not
    // as a row of the statement's.
    connection.describe({ type: 'P', name: '' });
    connection.execute({ portal: '', rows: 0 });
    (Query.prototype as unknown as { prepare(c: ExtendedConnection): void }).prepare.call(this, connection);
  }
}

/**
 * Runs one statement for a tenant in one round trip on a connection of `pool` (see
 * TenantScopedQuery) and answers its rows, as TypeORM's `query` answers a SELECT's (or raw, see
 * TenantStatementOptions.rawRows). After any
 * failure the connection is discarded, not returned to the pool: which statements it has prepared
 * is then uncertain (pg records a name as prepared when any parse of the batch completes).
 */
export async function tenantStatement<T>(pool: Pool, tenantId: string, text: string, values: unknown[], opts: TenantStatementOptions = {}): Promise<T[]> {
  const client: PoolClient = await pool.connect();
  let failure: unknown;
  try {
    const results = await new Promise<QueryResult[]>((resolve, reject) =>
      // A custom query answers through its callback (client.query returns the query itself).
      client.query(
        new TenantScopedQuery(tenantId, text, values, opts.genericPlan === true, rowShapeOf(opts)) as never,
        ((err: Error | undefined, res: QueryResult[]) => (err ? reject(err) : resolve(res))) as never,
      ),
    );
    return results[1].rows as T[];
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    client.release(failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure)));
  }
}

/**
 * A statement's raw rows (see TenantStatementOptions.rawRows) on the connection of a transaction
 * already under way (a unit of work), which has the tenant set.
 */
export async function rawRowsIn<T>(tx: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  if (!tx.queryRunner) throw new Error('raw rows need a transaction of their own connection');
  const client = (await tx.queryRunner.connect()) as PoolClient;
  const result = await client.query({ text, values, ...rowShapeOf({ rawRows: true }) });
  return result.rows as T[];
}
