/** What the seeding benches call a database connection: anything that runs a statement with values. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * One contact per row of a seed table (columns contact_id, g, at), named `name || g` (`name` a SQL
 * expression over the row), and, given a channel, its Messenger identity `<psid> || g`: set-based,
 * in the caller's transaction (the tenant set for row-level security).
 */
export async function seedContacts(c: Queryable, o: { tenantId: string; table: string; name?: string; channelId?: string; psid?: string }): Promise<void> {
  await c.query(
    `insert into contacts (tenant_id, id, display_name, created_at, updated_at)
     select $1, contact_id, ${o.name ?? `'Bench contact '`} || g, at, at from ${o.table}`,
    [o.tenantId],
  );
  if (!o.channelId) return;
  await c.query(
    `insert into contact_identities (tenant_id, contact_id, channel_id, channel_kind, external_id, created_at)
     select $1, contact_id, $2, 'messenger', $3 || g, at from ${o.table}`,
    [o.tenantId, o.channelId, o.psid ?? 'psid-bench-'],
  );
}
