import { randomBytes, randomUUID } from 'node:crypto';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * A list row's contact name, labels and CRM summary are kept on the conversation row on write
 * (migration ConversationRowDisplay): every way they change shows at once in the inbox list and
 * in the conversation's own payload, and nothing leaks between organizations.
 */
describe('conversation row display kept on write', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });

  /** The row of `id` in the caller's inbox list, and the conversation's own payload: they must agree. */
  async function shown(who: TestTenant, id: string) {
    const list = await call(who, 'GET', '/api/conversations?limit=100');
    expect(list.status).toBe(200);
    const row = list.body.items.find((c: { id: string }) => c.id === id);
    const one = await call(who, 'GET', `/api/conversations/${id}`);
    expect(one.status).toBe(200);
    for (const key of ['contact', 'labels', 'crm']) expect(one.body[key]).toEqual(row[key]);
    return row as { contact: { id: string; displayName: string | null }; labels: Array<{ id: string; name: string; colour: string }>; crm: unknown };
  }

  async function asOwner<T>(who: TestTenant, sql: string, params: unknown[]): Promise<T[]> {
    const c = await ownerClient(who.region);
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  it("follows the contact's name: a new profile name on ingest, an agent's rename, a merge", async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner);
    const first = await t.inbound(owner, channelId, { contactName: 'Alice', externalContactId: 'psid-alice' });
    const id = first.conversation.id;
    expect((await shown(owner, id)).contact).toEqual({ id: first.conversation.contactId, displayName: 'Alice' });

    // The platform's profile says otherwise on the next message.
    await t.inbound(owner, channelId, { contactName: 'Alice L.', externalContactId: 'psid-alice', text: 'again' });
    expect((await shown(owner, id)).contact.displayName).toBe('Alice L.');

    const renamed = await call(owner, 'PATCH', `/api/contacts/${first.conversation.contactId}`, { displayName: 'Алиса Лидделл' });
    expect(renamed.status).toBe(200);
    expect((await shown(owner, id)).contact.displayName).toBe('Алиса Лидделл');
    // The list's text filter finds the contact by its name as it is now.
    const found = await call(owner, 'GET', `/api/conversations?q=${encodeURIComponent('лидделл')}`);
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await call(owner, 'GET', '/api/conversations?q=Alice')).body.items).toEqual([]);

    // Merged into another contact: the conversation moves and shows the kept contact's name.
    const other = await t.inbound(owner, channelId, { contactName: 'Bob', externalContactId: 'psid-bob' });
    const merged = await call(owner, 'POST', `/api/contacts/${other.conversation.contactId}/merge`, { otherContactId: first.conversation.contactId });
    expect(merged.status).toBe(200);
    expect((await shown(owner, id)).contact).toEqual({ id: other.conversation.contactId, displayName: 'Bob' });
    expect((await shown(owner, other.conversation.id)).contact.displayName).toBe('Bob');
  });

  it('follows the labels: put on and taken off, renamed, recoloured, deleted; another organization sees none of it', async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner);
    const { conversation } = await t.inbound(owner, channelId, { contactName: 'Carol' });
    const label = async (name: string, colour: string) => (await call(owner, 'POST', '/api/labels', { name, colour })).body as { id: string };
    const vip = await label('VIP', '#aa0000');
    const billing = await label('billing', '#00aa00');
    expect((await shown(owner, conversation.id)).labels).toEqual([]);

    expect((await call(owner, 'PUT', `/api/conversations/${conversation.id}/labels`, { labelIds: [vip.id, billing.id] })).status).toBe(200);
    expect((await shown(owner, conversation.id)).labels).toEqual([
      { id: billing.id, name: 'billing', colour: '#00aa00' },
      { id: vip.id, name: 'VIP', colour: '#aa0000' },
    ]);

    expect((await call(owner, 'PATCH', `/api/labels/${vip.id}`, { name: 'Amber', colour: '#ffbf00' })).status).toBe(200);
    expect((await shown(owner, conversation.id)).labels).toEqual([
      { id: vip.id, name: 'Amber', colour: '#ffbf00' },
      { id: billing.id, name: 'billing', colour: '#00aa00' },
    ]);

    expect((await call(owner, 'DELETE', `/api/labels/${billing.id}`)).status).toBe(204);
    expect((await shown(owner, conversation.id)).labels).toEqual([{ id: vip.id, name: 'Amber', colour: '#ffbf00' }]);

    const bulk = await call(owner, 'POST', '/api/conversations/bulk', { ids: [conversation.id], set: { labelIds: [] } });
    expect(bulk.status).toBe(200);
    expect((await shown(owner, conversation.id)).labels).toEqual([]);

    const stranger = await t.signup();
    expect((await call(stranger, 'GET', `/api/conversations/${conversation.id}`)).status).toBe(404);
    expect((await call(stranger, 'GET', '/api/conversations')).body.items).toEqual([]);
  });

  it('shows the CRM summary once the contact is linked to a client and drops it when the link goes', async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner);
    const { conversation } = await t.inbound(owner, channelId, { contactName: 'Dan' });
    expect((await shown(owner, conversation.id)).crm).toBeNull();

    const connectionId = randomUUID();
    await asOwner(
      owner,
      `insert into crm_connections (tenant_id, id, kind, name, webhook_secret_hash, status) values ($1, $2, 'yclients', 'Salon', $3, 'active')`,
      [owner.tenantId, connectionId, randomBytes(32)],
    );
    await asOwner(
      owner,
      `insert into crm_records (tenant_id, connection_id, entity, external_id, data) values ($1, $2, 'client', '42', '{"name": "Dan Brown"}')`,
      [owner.tenantId, connectionId],
    );
    await asOwner(owner, `insert into crm_links (tenant_id, contact_id, connection_id, client_external_id, matched_by) values ($1, $2, $3, '42', 'phone')`, [
      owner.tenantId,
      conversation.contactId,
      connectionId,
    ]);
    expect((await shown(owner, conversation.id)).crm).toEqual({ linkedClients: 1, name: 'Dan Brown', nextAppointmentAt: null, openDeals: 0 });

    // A conversation started after the link carries it from its first message.
    const email = await t.createChannel(owner, 'email');
    const later = await t.request('POST', '/api/conversations', {
      token: owner.token,
      body: { contactId: conversation.contactId, channelId: email, to: 'dan@example.com', message: { text: 'Your booking' } },
    });
    expect(later.status).toBe(201);
    expect((await shown(owner, later.body.conversation.id)).crm).toMatchObject({ linkedClients: 1 });

    await asOwner(owner, `delete from crm_links where tenant_id = $1 and contact_id = $2`, [owner.tenantId, conversation.contactId]);
    expect((await shown(owner, conversation.id)).crm).toBeNull();
    expect((await shown(owner, later.body.conversation.id)).crm).toBeNull();
  });
});
