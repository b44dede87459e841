import type { Client } from 'pg';
import { triageListSql } from '../src/conversations/triage.store';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * conversations_custom_attributes_idx holds only conversations with custom attributes (migration
 * ConversationAttributesIndexPartial), and the list's attribute filter can still use it.
 */
describe('the conversations custom attributes index', () => {
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('leaves conversations without attributes out', async () => {
    const { rows } = await db.query(`select pg_get_indexdef('conversations_custom_attributes_idx'::regclass) as def`);
    expect(rows[0].def).toMatch(/WHERE \(custom_attributes <> '\{\}'::jsonb\)$/);
  });

  it('is what the list filtered by an attribute reads, not a walk through every conversation', async () => {
    const channelId = await t.createChannel(owner);
    const { conversation } = await t.inbound(owner, channelId);
    await t.request('POST', '/api/attribute-definitions', {
      token: owner.token,
      body: { entity: 'conversation', key: 'order_id', label: 'Order', type: 'text' },
    });
    const patched = await t.request('PATCH', `/api/conversations/${conversation.id}`, {
      token: owner.token,
      body: { customAttributes: { order_id: 'Z-9' } },
    });
    expect(patched.status).toBe(200);
    await db.query(
      `insert into conversations (tenant_id, contact_id, channel_id, status, last_message_at)
       select tenant_id, contact_id, channel_id, 'open', now() + g * interval '1 second' from conversations, generate_series(1, 5000) g
       where tenant_id = $1 and id = $2`,
      [owner.tenantId, conversation.id],
    );
    await db.query('analyze conversations');

    const listed = await t.request('GET', '/api/conversations?attribute=order_id:Z-9', { token: owner.token });
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([conversation.id]);

    const { text, values } = triageListSql(owner.tenantId, owner.userId, { attributes: { order_id: 'Z-9' }, sort: 'last_activity' }, { limit: 25 });
    await db.query('begin');
    try {
      await db.query(`select set_config('app.tenant_id', $1, true)`, [owner.tenantId]);
      await db.query(`prepare attribute_list as ${text}`);
      // EXPLAIN EXECUTE takes no bind parameters: the values go in as literals.
      const literals = values.map((v) => (typeof v === 'number' ? String(v) : db.escapeLiteral(String(v))));
      const plan = await db.query(`explain (format json) execute attribute_list(${literals.join(', ')})`);
      expect(JSON.stringify(plan.rows[0])).toContain('"Index Name":"conversations_custom_attributes_idx"');
    } finally {
      await db.query('rollback');
      await db.query('deallocate all');
    }
  });
});
