import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { ConversationSummary1768600000000 } from '../src/database/migrations/region/1768600000000-conversation-summary';
import type { InboundMessage } from '../libs/domain/src';
import { TestApp, TestTenant, ownerClient } from './support/test-app';
import { rowsMentioning } from './support/db-catalog';

/**
 * The inbox list reads each conversation's last message, last subject and the viewer's unread count
 * from columns kept on write (migration ConversationSummary). After every kind of write the list
 * must show what the messages themselves say: each step compares every row of the list, for two
 * viewers, with the same figures computed from messages and read positions directly.
 */
describe('the list summary kept on the conversation row', () => {
  let t: TestApp;
  let db: Client;
  beforeAll(async () => {
    t = await TestApp.start();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  // Within the last hour: a reply needs the platform's messaging window open.
  const start = Date.now() - 3600_000;
  const at = (minute: number) => new Date(start + minute * 60_000);
  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const inbound = (channelId: string, over: Partial<InboundMessage> & Pick<InboundMessage, 'externalContactId'>): InboundMessage => ({
    channelId,
    channelKind: 'messenger',
    externalMessageId: `mid-${randomUUID()}`,
    text: 'hello',
    sentAt: at(0),
    ...over,
  });

  /** What the list should show, from the messages themselves (the list's statement before the columns existed). */
  async function truth(tenantId: string, viewerId: string) {
    const { rows } = await db.query(
      `select c.id, lm.direction, case when lm.deleted_at is null then left(lm.text, 140) end as text, lm.sent_at, ls.subject,
              case when c.last_inbound_at > coalesce(r.read_up_to, '-infinity') then (
                select count(*)::int from (select 1 from messages m
                  where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'inbound'
                    and m.sent_at > coalesce(r.read_up_to, '-infinity') limit 100) x) else 0 end as unread
       from conversations c
       left join conversation_reads r on r.tenant_id = c.tenant_id and r.user_id = $2 and r.conversation_id = c.id
       left join lateral (select * from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id
                          order by m.sent_at desc, m.id desc limit 1) lm on true
       left join lateral (select m.subject from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'inbound'
                          order by m.sent_at desc, m.id desc limit 1) ls on true
       where c.tenant_id = $1 order by c.id`,
      [tenantId, viewerId],
    );
    return rows.map((r) => ({
      id: r.id,
      lastMessage: r.direction ? { direction: r.direction, text: r.text, at: r.sent_at.toISOString() } : null,
      subject: r.subject,
      unreadCount: r.unread,
    }));
  }

  async function listed(who: TestTenant) {
    const res = await call(who, 'GET', '/api/conversations?limit=100');
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ id: string; lastMessage: unknown; subject: unknown; unreadCount: number }>)
      .map((c) => ({ id: c.id, lastMessage: c.lastMessage, subject: c.subject, unreadCount: c.unreadCount }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** The list agrees with the messages, for each viewer; answers the rows by conversation id. */
  async function agrees(...viewers: TestTenant[]) {
    let shown: Awaited<ReturnType<typeof listed>> = [];
    for (const v of viewers) {
      shown = await listed(v);
      expect(shown).toEqual(await truth(v.tenantId, v.userId));
    }
    return new Map(shown.map((r) => [r.id, r]));
  }

  it('follows new, late, batched, outbound, edited, erased and deleted messages, reads and merges', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const first = await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'alice', text: 'one', sentAt: at(1) }));
    const alice = first.conversation.id;
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'alice', text: 'two', subject: 'Order 7', sentAt: at(2) }));
    let rows = await agrees(owner, agent);
    expect(rows.get(alice)).toMatchObject({ lastMessage: { direction: 'inbound', text: 'two' }, subject: 'Order 7', unreadCount: 2 });

    // Read, then a message the platform delivers late (sent before the read position): still read.
    expect((await call(agent, 'POST', `/api/conversations/${alice}/read`)).body.unreadCount).toBe(0);
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'alice', text: 'late', sentAt: at(1) }));
    rows = await agrees(owner, agent);
    expect(rows.get(alice)).toMatchObject({ lastMessage: { text: 'two' }, unreadCount: 0 });
    expect((await listed(owner)).find((r) => r.id === alice)?.unreadCount).toBe(3);

    // The set-based batch: several messages of two conversations in one statement, one of them late.
    const batch = await t.conversations.receiveInboundBatch(owner, [
      inbound(channelId, { externalContactId: 'alice', text: 'three', sentAt: at(3) }),
      inbound(channelId, { externalContactId: 'alice', text: 'four', sentAt: at(4) }),
      inbound(channelId, { externalContactId: 'alice', text: 'older still', sentAt: at(0) }),
      inbound(channelId, { externalContactId: 'bob', text: `bob ${'y'.repeat(200)}`, sentAt: at(5) }),
    ]);
    const bob = batch[3].conversationId;
    rows = await agrees(owner, agent);
    expect(rows.get(alice)).toMatchObject({ lastMessage: { text: 'four' }, subject: null, unreadCount: 2 });
    expect(rows.get(bob)).toMatchObject({ lastMessage: { text: `bob ${'y'.repeat(136)}` }, unreadCount: 1 });

    // Reading up to an older message counts what came after it; an outbound reply is the preview and no unread message.
    const messages = (await call(agent, 'GET', `/api/conversations/${alice}/messages`)).body.items as Array<{ id: string; text: string }>;
    const three = messages.find((m) => m.text === 'three')!;
    const owners = await call(owner, 'POST', `/api/conversations/${alice}/read`, { messageId: three.id });
    expect(owners.body.unreadCount).toBe(1);
    expect((await call(agent, 'POST', `/api/conversations/${alice}/messages`, { text: 'on its way' })).status).toBe(202);
    rows = await agrees(owner, agent);
    expect(rows.get(alice)).toMatchObject({ lastMessage: { direction: 'outbound', text: 'on its way' }, subject: null, unreadCount: 2 });

    // An edit of the preview's message shows; the contact deleting it (erasure of its content) clears it at once.
    const bobMessage = (await db.query(`select external_id from messages where tenant_id = $1 and conversation_id = $2`, [owner.tenantId, bob])).rows[0];
    await t.conversations.applyEdit(owner, channelId, bobMessage.external_id, { text: 'SECRET-EDIT card 4111', attachments: [], editedAt: at(6) });
    expect((await agrees(owner, agent)).get(bob)?.lastMessage).toMatchObject({ text: 'SECRET-EDIT card 4111' });
    expect(await t.conversations.eraseMessageContent(owner, channelId, bobMessage.external_id)).toBe(true);
    expect((await agrees(owner, agent)).get(bob)?.lastMessage).toMatchObject({ direction: 'inbound', text: null });
    expect(await rowsMentioning(db, 'conversations', 'SECRET-EDIT')).toBe(0);

    // Deleting messages (as erasure, retention and a channel's purge do): the preview, subject and counts go back.
    await db.query(`delete from messages where tenant_id = $1 and conversation_id = $2 and text in ('on its way', 'four', 'three')`, [owner.tenantId, alice]);
    rows = await agrees(owner, agent);
    expect(rows.get(alice)).toMatchObject({ lastMessage: { direction: 'inbound', text: 'two' }, subject: 'Order 7', unreadCount: 0 });
    await db.query(`delete from messages where tenant_id = $1 and conversation_id = $2`, [owner.tenantId, alice]);
    rows = await agrees(owner, agent);
    expect(rows.get(alice)).toMatchObject({ lastMessage: null, subject: null, unreadCount: 0 });
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'alice', text: 'back again', sentAt: at(7) }));
    expect((await agrees(owner, agent)).get(alice)).toMatchObject({ lastMessage: { text: 'back again' }, unreadCount: 1 });

    // Merging the contacts moves conversations, not messages: every row stays as it was.
    const contactOf = async (id: string) => (await call(owner, 'GET', `/api/conversations/${id}`)).body.contactId as string;
    const merged = await call(owner, 'POST', `/api/contacts/${await contactOf(alice)}/merge`, { otherContactId: await contactOf(bob) });
    expect(merged.status).toBe(200);
    expect((await agrees(owner, agent)).get(bob)).toMatchObject({ lastMessage: { text: null }, unreadCount: 1 });

    // Another organization's writes never touch this one's rows, and it sees only its own.
    const other = await t.signup();
    const otherChannel = await t.createChannel(other);
    const theirs = await t.conversations.receiveInbound(other, inbound(otherChannel, { externalContactId: 'alice', text: 'elsewhere', sentAt: at(9) }));
    expect((await agrees(other)).get(theirs.conversation.id)).toMatchObject({ lastMessage: { text: 'elsewhere' }, unreadCount: 1 });
    expect([...(await agrees(owner, agent)).keys()].sort()).toEqual([alice, bob].sort());
  });

  it('answers each list row exactly as the conversation itself answers it', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const a = await t.conversations.receiveInbound(
      owner,
      inbound(channelId, { externalContactId: 'a', contactName: 'Ann "Quote" \\ Lee', text: 'line\nbreak ✓', sentAt: at(1) }),
    );
    const b = await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'b', text: 'second', sentAt: at(2) }));
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'c', text: 'third', sentAt: at(3) }));
    const label = await call(owner, 'POST', '/api/labels', { name: 'VIP', colour: '#123abc' });
    await call(owner, 'PUT', `/api/conversations/${a.conversation.id}/labels`, { labelIds: [label.body.id] });
    const until = new Date(Date.now() + 3600_000).toISOString();
    expect(
      (
        await call(owner, 'PATCH', `/api/conversations/${b.conversation.id}`, {
          status: 'snoozed',
          snoozedUntil: until,
          assigneeId: agent.userId,
          priority: 'high',
        })
      ).status,
    ).toBe(200);
    await call(agent, 'POST', `/api/conversations/${a.conversation.id}/read`);

    for (const viewer of [owner, agent]) {
      const res = await call(viewer, 'GET', '/api/conversations?limit=2');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const next = await call(viewer, 'GET', `/api/conversations?limit=2&cursor=${res.body.nextCursor}`);
      expect(next.body.nextCursor).toBeNull();
      const rows = [...res.body.items, ...next.body.items];
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        const { satisfaction, ...detail } = (await call(viewer, 'GET', `/api/conversations/${row.id}`)).body;
        expect(satisfaction).toBeNull();
        expect(row).toEqual(detail);
      }
      expect(rows.find((r) => r.id === b.conversation.id)).toMatchObject({ status: 'snoozed', snoozedUntil: until, priority: 'high' });
      expect(rows.find((r) => r.id === a.conversation.id)).toMatchObject({ labels: [{ id: label.body.id, name: 'VIP', colour: '#123abc' }] });
    }
  });

  it('fills the columns of existing conversations and read positions when the migration runs', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const a = await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'a', text: 'first', subject: 'Hi', sentAt: at(1) }));
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'a', text: 'second', sentAt: at(2) }));
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'b', text: 'other', sentAt: at(3) }));
    await call(agent, 'POST', `/api/conversations/${a.conversation.id}/read`);
    await t.conversations.receiveInbound(owner, inbound(channelId, { externalContactId: 'a', text: 'third', sentAt: at(4) }));
    const before = await agrees(owner, agent);

    const migration = new ConversationSummary1768600000000();
    const runner = { query: (sql: string) => db.query(sql) } as unknown as QueryRunner;
    await migration.down(runner);
    await migration.up(runner);
    expect(await agrees(owner, agent)).toEqual(before);
    expect(before.get(a.conversation.id)).toMatchObject({ lastMessage: { text: 'third' }, subject: null, unreadCount: 1 });
  });
});
