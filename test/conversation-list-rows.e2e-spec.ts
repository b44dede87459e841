import { Client } from 'pg';
import { TriageStore } from '../src/conversations/triage.store';
import { TestApp, TestTenant, ownerClient, regionUrl } from './support/test-app';

/**
 * The inbox list writes its rows from the columns PostgreSQL sends as text (list-row-json.ts):
 * each row must say exactly what the conversation's own payload says, whatever its text holds,
 * and its instants must be UTC ISO instants even where the database's sessions run in another
 * time zone (this file's databases run theirs at +05:30).
 */
describe('the inbox list rows', () => {
  let t: TestApp;
  beforeAll(async () => {
    for (const region of ['eu', 'ru']) {
      const url = await regionUrl(region);
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`alter database ${c.escapeIdentifier(new URL(url).pathname.slice(1))} set timezone to 'Asia/Kolkata'`);
      } finally {
        await c.end();
      }
    }
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });

  async function stored(who: TestTenant, id: string) {
    const c = await ownerClient(who.region);
    try {
      const { rows } = await c.query(
        `select current_setting('TimeZone') as zone, last_message_at, last_inbound_at, created_at, updated_at, snoozed_until from conversations where id = $1`,
        [id],
      );
      return rows[0] as { zone: string; last_message_at: Date; last_inbound_at: Date; created_at: Date; updated_at: Date; snoozed_until: Date | null };
    } finally {
      await c.end();
    }
  }

  it('answers every row as GET /api/conversations/:id answers the conversation, hostile text included', async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner);
    const hostile = 'Zoë "the \\ quote"\n\t\u2028\u2029 😀 </script><b>&amp;';
    const plain = await t.inbound(owner, channelId, { contactName: 'Plain', externalContactId: 'psid-plain', text: 'hello' });
    const odd = await t.inbound(owner, channelId, { contactName: hostile, externalContactId: 'psid-odd', text: `${hostile} again` });
    const nameless = await t.inbound(owner, channelId, { contactName: undefined, externalContactId: 'psid-nameless', text: 'no name' });

    // One conversation carries everything a row can show: labels, a priority, attributes, a snooze.
    expect((await call(owner, 'POST', '/api/attribute-definitions', { entity: 'conversation', key: 'order_id', label: 'Order', type: 'text' })).status).toBe(
      201,
    );
    expect((await call(owner, 'POST', '/api/attribute-definitions', { entity: 'conversation', key: 'value', label: 'Value', type: 'number' })).status).toBe(
      201,
    );
    const label = (await call(owner, 'POST', '/api/labels', { name: 'Ünïcode "label"', colour: '#123abc' })).body as { id: string };
    expect((await call(owner, 'PUT', `/api/conversations/${odd.conversation.id}/labels`, { labelIds: [label.id] })).status).toBe(200);
    const until = new Date(Date.now() + 86_400_000 + 123);
    const patched = await call(owner, 'PATCH', `/api/conversations/${odd.conversation.id}`, {
      status: 'snoozed',
      snoozedUntil: until.toISOString(),
      priority: 'urgent',
      assigneeId: owner.userId,
      customAttributes: { order_id: 'A-"1"\n', value: 12.5 },
    });
    expect(patched.status).toBe(200);

    const list = await call(owner, 'GET', '/api/conversations?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { id: string }) => r.id).sort()).toEqual([plain, odd, nameless].map((x) => x.conversation.id).sort());
    for (const row of list.body.items as Array<Record<string, unknown>>) {
      const one = await call(owner, 'GET', `/api/conversations/${row.id}`);
      expect(one.status).toBe(200);
      for (const key of Object.keys(row)) expect([key, row[key]]).toEqual([key, one.body[key]]);
      // The database's sessions write times at +05:30: the row's are the same instants, in UTC.
      const db = await stored(owner, row.id as string);
      expect(db.zone).toBe('Asia/Kolkata');
      expect(row).toMatchObject({
        lastMessageAt: db.last_message_at.toISOString(),
        lastInboundAt: db.last_inbound_at.toISOString(),
        createdAt: db.created_at.toISOString(),
        updatedAt: db.updated_at.toISOString(),
      });
    }
    const oddRow = list.body.items.find((r: { id: string }) => r.id === odd.conversation.id);
    expect(oddRow).toMatchObject({
      status: 'snoozed',
      snoozedUntil: until.toISOString(),
      priority: 'urgent',
      assigneeId: owner.userId,
      customAttributes: { order_id: 'A-"1"\n', value: 12.5 },
      contact: { id: odd.conversation.contactId, displayName: hostile },
      lastMessage: { direction: 'inbound', text: `${hostile} again` },
      labels: [{ id: label.id, name: 'Ünïcode "label"', colour: '#123abc' }],
      unreadCount: 1,
      crm: null,
    });
    expect(list.body.items.find((r: { id: string }) => r.id === nameless.conversation.id).contact.displayName).toBeNull();

    // Inside a unit of work (its own transaction's connection) the store writes the same rows.
    const store = t.app.get(TriageStore);
    const page = { limit: 100 };
    const outside = await store.list(owner, owner.userId, { sort: 'last_activity' }, page);
    const inside = await t.dbs.unitOfWork(owner, () => store.list(owner, owner.userId, { sort: 'last_activity' }, page));
    expect(inside.items.map((x) => JSON.parse(x))).toEqual(list.body.items);
    expect(inside).toEqual(outside);

    // Woken by a message, the row no longer shows the old deadline.
    await t.inbound(owner, channelId, { contactName: hostile, externalContactId: 'psid-odd', text: 'awake' });
    const woken = (await call(owner, 'GET', '/api/conversations?limit=100')).body.items.find((r: { id: string }) => r.id === odd.conversation.id);
    expect(woken).toMatchObject({ status: 'open', snoozedUntil: null, unreadCount: 2, lastMessage: { text: 'awake' } });
  });

  it('pages by cursor in either sort without losing or repeating a row, and another organization sees none of them', async () => {
    const owner = await t.signup();
    const stranger = await t.signup();
    const channelId = await t.createChannel(owner);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await t.inbound(owner, channelId, { contactName: `C${i}`, externalContactId: `psid-page-${i}` })).conversation.id);
    for (const sort of ['last_activity', 'waiting']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await call(
          owner,
          'GET',
          `/api/conversations?limit=2&sort=${sort}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((r) => r.id));
        cursor = page.body.nextCursor;
      } while (cursor && seen.length <= ids.length);
      expect(seen.slice().sort()).toEqual(ids.slice().sort());
      expect(new Set(seen).size).toBe(ids.length);
    }
    expect((await call(stranger, 'GET', '/api/conversations?limit=100')).body.items).toEqual([]);
  });
});
