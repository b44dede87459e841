import { Client } from 'pg';
import { TestApp, TestTenant, regionUrl } from './support/test-app';

/** Row-level security alone, without any of the app's filters, keeps tenants apart. */
describe('row-level security as the app role', () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let app: Client;

  beforeAll(async () => {
    t = await TestApp.start();
    a = await t.signup();
    b = await t.signup();
    for (const tenant of [a, b]) {
      const channel = await t.createChannel(tenant);
      const { conversation } = await t.inbound(tenant, channel, { text: `message of ${tenant.tenantId}` });
      await t.conversations.addNote(tenant, conversation.id, tenant.userId, `note of ${tenant.tenantId}`);
    }
    const url = new URL(await regionUrl('eu'));
    url.username = process.env.MM_TEST_APP_ROLE!;
    url.password = process.env.MM_TEST_APP_PASSWORD!;
    app = new Client({ connectionString: url.toString() });
    await app.connect();
  });
  afterAll(async () => {
    await app.end();
    await t.close();
  });

  const asTenant = async <T>(tenantId: string | null, work: () => Promise<T>): Promise<T> => {
    await app.query('begin');
    try {
      if (tenantId) await app.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
      return await work();
    } finally {
      await app.query('rollback');
    }
  };

  it.each(['tenants', 'users', 'channels', 'contacts', 'contact_identities', 'conversations', 'messages', 'notes'])(
    "an unfiltered select from %s returns only the current tenant's rows",
    async (table) => {
      const rows = await asTenant(b.tenantId, async () => (await app.query(`select tenant_id from ${table}`)).rows);
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([b.tenantId]));
    },
  );

  it('without a tenant context nothing is visible', async () => {
    const n = await asTenant(null, async () => (await app.query(`select count(*)::int as n from messages`)).rows[0].n);
    expect(n).toBe(0);
  });

  it('the context ends with the transaction, so a pooled connection carries none over', async () => {
    await asTenant(a.tenantId, async () => undefined);
    const n = (await app.query(`select count(*)::int as n from conversations`)).rows[0].n;
    expect(n).toBe(0);
  });

  it('the one-statement webhook store (inbox_store) sets its tenant for itself alone', async () => {
    const channelId = await t.createChannel(a);
    const { rows } = await app.query(`select * from inbox_store($1, $2, $3, $4)`, [a.tenantId, [channelId], ['rls:probe'], ['{"probe":true}']]);
    expect(rows).toEqual([{ stored_channel_id: channelId, stored_dedupe_key: 'rls:probe' }]);
    // Committed on its own, and its tenant context did not outlive it on this connection.
    expect((await app.query(`select current_setting('app.tenant_id', true) as t`)).rows[0].t).toBe('');
    expect((await app.query(`select count(*)::int as n from inbound_events`)).rows[0].n).toBe(0);
    const stored = await asTenant(
      a.tenantId,
      async () => (await app.query(`select count(*)::int as n from inbound_events where dedupe_key = 'rls:probe'`)).rows[0].n,
    );
    expect(stored).toBe(1);
  });

  it("the group commit's store for several tenants (inbox_store_many) writes each tenant's rows under that tenant alone", async () => {
    const [ca, cb] = [await t.createChannel(a), await t.createChannel(b)];
    const { rows } = await app.query(`select * from inbox_store_many($1, $2, $3, $4) order by stored_dedupe_key`, [
      [b.tenantId, a.tenantId, b.tenantId],
      [cb, ca, cb],
      ['rls:many:1', 'rls:many:2', 'rls:many:3'],
      ['{"n":1}', '{"n":2}', '{"n":3}'],
    ]);
    expect(rows).toEqual([
      { stored_channel_id: cb, stored_dedupe_key: 'rls:many:1' },
      { stored_channel_id: ca, stored_dedupe_key: 'rls:many:2' },
      { stored_channel_id: cb, stored_dedupe_key: 'rls:many:3' },
    ]);
    expect((await app.query(`select current_setting('app.tenant_id', true) as t`)).rows[0].t).toBe('');
    const keysOf = (tenantId: string) =>
      asTenant(tenantId, async () =>
        (await app.query(`select dedupe_key from inbound_events where dedupe_key like 'rls:many:%' order by 1`)).rows.map((r) => r.dedupe_key),
      );
    expect(await keysOf(a.tenantId)).toEqual(['rls:many:2']);
    expect(await keysOf(b.tenantId)).toEqual(['rls:many:1', 'rls:many:3']);
    // A row naming another tenant's channel breaks the (tenant, channel) foreign key: nothing of the call is written.
    await expect(app.query(`select * from inbox_store_many($1, $2, $3, $4)`, [[a.tenantId], [cb], ['rls:many:4'], ['{}']])).rejects.toThrow(
      /foreign key|row-level security/,
    );
  });

  it('cannot write a row for another tenant, nor move one there', async () => {
    await expect(asTenant(b.tenantId, () => app.query(`insert into contacts (tenant_id, display_name) values ($1, 'planted')`, [a.tenantId]))).rejects.toThrow(
      /row-level security/,
    );
    const moved = await asTenant(b.tenantId, async () => (await app.query(`update notes set text = 'x' where tenant_id = $1`, [a.tenantId])).rowCount);
    expect(moved).toBe(0);
    await expect(asTenant(b.tenantId, () => app.query(`update notes set tenant_id = $1`, [a.tenantId]))).rejects.toThrow(
      /row-level security|violates foreign key/,
    );
  });

  it('cannot switch off row-level security or read the migrations', async () => {
    await expect(app.query('alter table messages disable row level security')).rejects.toThrow(/must be owner/);
    await expect(app.query('set row_security = off; select count(*) from messages')).rejects.toThrow();
    await expect(app.query('select * from migrations')).rejects.toThrow(/permission denied/);
  });
});
