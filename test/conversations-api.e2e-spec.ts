import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../libs/domain/src';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** The inbox API as the dashboard drives it: ingest, listing, paging, filters, replies and notes. */
describe('conversations API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const get = (tenant: TestTenant, url: string) => t.request('GET', url, { token: tenant.token });
  const patch = (tenant: TestTenant, id: string, body: unknown) => t.request('PATCH', `/api/conversations/${id}`, { token: tenant.token, body });
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

  /** Every item of a keyset-paged list, following nextCursor until it is null. */
  async function pageThrough(tenant: TestTenant, url: string, limit: number): Promise<{ items: any[]; pages: any[] }> {
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const res = await get(tenant, `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      pages.push(res.body);
      cursor = res.body.nextCursor;
      if (pages.length > 50) throw new Error('pagination does not terminate');
    } while (cursor !== null);
    return { items: pages.flatMap((p) => p.items), pages };
  }

  /** Keyset order of the API: timestamp desc, then id desc. */
  const keysetOrder = <T extends { id: string }>(items: T[], at: (x: T) => string) =>
    [...items].sort((x, y) => (at(x) === at(y) ? (x.id < y.id ? 1 : -1) : at(x) < at(y) ? 1 : -1));

  describe('receiving an inbound message', () => {
    it('creates contact, identity, conversation and message, all visible through the API', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const sentAt = new Date('2026-03-01T10:00:00.123Z');
      const result = await t.inbound(tenant, channelId, {
        externalContactId: 'psid-alice',
        externalMessageId: 'mid-first',
        contactName: 'Alice',
        text: 'hi there',
        sentAt,
      });
      expect(result.created).toBe(true);
      const { conversation, message } = result;

      // Resources may gain fields over time (toMatchObject), but nothing internal may leak.
      const noInternals = (body: unknown) => expect(JSON.stringify(body)).not.toMatch(/tenant_?id|password|hash/i);

      const list = await get(tenant, '/api/conversations');
      expect(list.status).toBe(200);
      expect(list.body.nextCursor).toBeNull();
      expect(list.body.items).toHaveLength(1);
      noInternals(list.body);
      expect(list.body.items[0]).toMatchObject({
        id: conversation.id,
        contactId: conversation.contactId,
        channelId,
        status: 'open',
        assigneeId: null,
        lastMessageAt: sentAt.toISOString(),
        lastInboundAt: sentAt.toISOString(),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });

      const one = await get(tenant, `/api/conversations/${conversation.id}`);
      expect(one.status).toBe(200);
      // The list's row, and the satisfaction survey the conversation's own page adds (none asked).
      expect(one.body).toEqual({ ...list.body.items[0], satisfaction: null });

      const messages = await get(tenant, `/api/conversations/${conversation.id}/messages`);
      expect(messages.status).toBe(200);
      noInternals(messages.body);
      expect(messages.body.nextCursor).toBeNull();
      expect(messages.body.items).toHaveLength(1);
      expect(messages.body.items[0]).toMatchObject({
        id: message.id,
        conversationId: conversation.id,
        direction: 'inbound',
        text: 'hi there',
        attachments: [],
        status: null,
        error: null,
        externalId: 'mid-first',
        authorId: null,
        sentAt: sentAt.toISOString(),
        createdAt: expect.any(String),
      });

      const contact = await get(tenant, `/api/contacts/${conversation.contactId}`);
      expect(contact.status).toBe(200);
      noInternals(contact.body);
      expect(contact.body).toMatchObject({
        id: conversation.contactId,
        displayName: 'Alice',
        identities: [expect.objectContaining({ id: expect.any(String), channelId, channelKind: 'messenger', externalId: 'psid-alice' })],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('refuses an inbound message with neither text nor attachments', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      await expect(t.inbound(tenant, channelId, { text: '' })).rejects.toMatchObject({ code: 'EMPTY_MESSAGE' });
      expect((await get(tenant, '/api/conversations')).body.items).toEqual([]);
    });
  });

  describe('idempotency and conversation lifecycle', () => {
    it('a message delivered three times in a row is stored once', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const delivery: Partial<InboundMessage> = { externalContactId: `psid-${randomUUID()}`, externalMessageId: `mid-${randomUUID()}`, text: 'once' };

      const results = [];
      for (let i = 0; i < 3; i++) results.push(await t.inbound(tenant, channelId, delivery));
      expect(results.map((r) => r.created)).toEqual([true, false, false]);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);

      const list = await get(tenant, '/api/conversations');
      expect(list.body.items.map((c: any) => c.id)).toEqual([results[0].conversation.id]);
      const messages = await get(tenant, `/api/conversations/${results[0].conversation.id}/messages`);
      expect(messages.body.items.map((m: any) => m.id)).toEqual([results[0].message.id]);
    });

    it("five concurrent deliveries of a new End User's message make one contact, one conversation, one message", async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const delivery: Partial<InboundMessage> = { externalContactId: `psid-${randomUUID()}`, externalMessageId: `mid-${randomUUID()}`, text: 'race' };

      const results = await Promise.all(Array.from({ length: 5 }, () => t.inbound(tenant, channelId, delivery)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
      expect(new Set(results.map((r) => r.conversation.contactId)).size).toBe(1);

      const list = await get(tenant, '/api/conversations');
      expect(list.body.items).toHaveLength(1);
      const messages = await get(tenant, `/api/conversations/${list.body.items[0].id}/messages`);
      expect(messages.body.items).toHaveLength(1);
      expect(messages.body.items[0].text).toBe('race');

      // The losing deliveries' contacts were dropped: no orphan contact is left behind.
      const db = await ownerClient(tenant.region);
      try {
        const { rows } = await db.query(
          `select (select count(*)::int from contacts where tenant_id = $1) as contacts,
                  (select count(*)::int from contact_identities where tenant_id = $1) as identities`,
          [tenant.tenantId],
        );
        expect(rows[0]).toEqual({ contacts: 1, identities: 1 });
      } finally {
        await db.end();
      }
    });

    it('a second message from the same End User lands in the same open conversation', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const externalContactId = `psid-${randomUUID()}`;
      const first = await t.inbound(tenant, channelId, { externalContactId, text: 'one', sentAt: minutesAgo(2) });
      const second = await t.inbound(tenant, channelId, { externalContactId, text: 'two', sentAt: minutesAgo(1) });
      expect(second.created).toBe(true);
      expect(second.conversation.id).toBe(first.conversation.id);
      expect(second.conversation.contactId).toBe(first.conversation.contactId);

      const list = await get(tenant, '/api/conversations');
      expect(list.body.items).toHaveLength(1);
      const messages = await get(tenant, `/api/conversations/${first.conversation.id}/messages`);
      expect(messages.body.items.map((m: any) => m.text)).toEqual(['two', 'one']);
    });

    it('after the conversation is resolved, a new inbound message opens a new conversation', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const externalContactId = `psid-${randomUUID()}`;
      const first = await t.inbound(tenant, channelId, { externalContactId, text: 'problem', sentAt: minutesAgo(10) });
      const resolved = await patch(tenant, first.conversation.id, { status: 'resolved' });
      expect(resolved.status).toBe(200);
      expect(resolved.body.status).toBe('resolved');

      const again = await t.inbound(tenant, channelId, { externalContactId, text: 'new problem', sentAt: minutesAgo(1) });
      expect(again.created).toBe(true);
      expect(again.conversation.id).not.toBe(first.conversation.id);
      expect(again.conversation.contactId).toBe(first.conversation.contactId);
      expect(again.conversation.status).toBe('open');

      const list = await get(tenant, '/api/conversations');
      expect(list.body.items.map((c: any) => [c.id, c.status])).toEqual([
        [again.conversation.id, 'open'],
        [first.conversation.id, 'resolved'],
      ]);
      const oldMessages = await get(tenant, `/api/conversations/${first.conversation.id}/messages`);
      expect(oldMessages.body.items.map((m: any) => m.text)).toEqual(['problem']);
      const newMessages = await get(tenant, `/api/conversations/${again.conversation.id}/messages`);
      expect(newMessages.body.items.map((m: any) => m.text)).toEqual(['new problem']);
    });

    it('a snoozed conversation reopens on an inbound message', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const externalContactId = `psid-${randomUUID()}`;
      const first = await t.inbound(tenant, channelId, { externalContactId, sentAt: minutesAgo(5) });
      expect((await patch(tenant, first.conversation.id, { status: 'snoozed' })).body.status).toBe('snoozed');

      const again = await t.inbound(tenant, channelId, { externalContactId, text: 'are you there?' });
      expect(again.conversation.id).toBe(first.conversation.id);
      expect(again.conversation.status).toBe('open');
      expect((await get(tenant, `/api/conversations/${first.conversation.id}`)).body.status).toBe('open');
    });

    it('an older message delivered late does not move lastMessageAt backwards', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const externalContactId = `psid-${randomUUID()}`;
      const newer = new Date('2026-04-01T12:00:00.500Z');
      const older = new Date('2026-04-01T11:00:00.000Z');
      const first = await t.inbound(tenant, channelId, { externalContactId, text: 'newer', sentAt: newer });
      const late = await t.inbound(tenant, channelId, { externalContactId, text: 'older', sentAt: older });
      expect(late.conversation.id).toBe(first.conversation.id);

      const conv = await get(tenant, `/api/conversations/${first.conversation.id}`);
      expect(conv.body.lastMessageAt).toBe(newer.toISOString());
      expect(conv.body.lastInboundAt).toBe(newer.toISOString());
      const messages = await get(tenant, `/api/conversations/${first.conversation.id}/messages`);
      expect(messages.body.items.map((m: any) => [m.text, m.sentAt])).toEqual([
        ['newer', newer.toISOString()],
        ['older', older.toISOString()],
      ]);
    });
  });

  describe('keyset pagination', () => {
    it('pages through conversations by lastMessageAt desc, every one exactly once', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      // Two pairs share a timestamp, so the id tie-breaker is exercised across page boundaries.
      const minutes = [70, 60, 60, 50, 40, 40, 30];
      const created = [];
      for (const m of minutes) created.push((await t.inbound(tenant, channelId, { sentAt: new Date(Date.UTC(2026, 4, 1, 9, m)) })).conversation);

      const { items, pages } = await pageThrough(tenant, '/api/conversations', 3);
      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
      expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
      const ids = items.map((c) => c.id);
      expect(new Set(ids).size).toBe(7);
      expect([...ids].sort()).toEqual(created.map((c) => c.id).sort());
      expect(ids).toEqual(keysetOrder(items, (c) => c.lastMessageAt).map((c) => c.id));
      expect(items[0].lastMessageAt).toBe(new Date(Date.UTC(2026, 4, 1, 10, 10)).toISOString());
    });

    it('a page that ends exactly at the last item has a null nextCursor', async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      for (let i = 0; i < 4; i++) await t.inbound(tenant, channelId, { sentAt: minutesAgo(i + 1) });
      const { pages } = await pageThrough(tenant, '/api/conversations', 2);
      expect(pages.map((p) => p.items.length)).toEqual([2, 2]);
      expect(pages[1].nextCursor).toBeNull();
    });

    it("pages through a conversation's messages by sentAt desc, every one exactly once", async () => {
      const tenant = await t.signup();
      const channelId = await t.createChannel(tenant);
      const externalContactId = `psid-${randomUUID()}`;
      const seconds = [1, 2, 2, 3, 4, 4, 5];
      const stored = [];
      for (const [i, s] of seconds.entries()) {
        stored.push(await t.inbound(tenant, channelId, { externalContactId, text: `m${i}`, sentAt: new Date(Date.UTC(2026, 4, 2, 8, 0, s)) }));
      }
      const conversationId = stored[0].conversation.id;
      expect(new Set(stored.map((r) => r.conversation.id))).toEqual(new Set([conversationId]));

      const { items, pages } = await pageThrough(tenant, `/api/conversations/${conversationId}/messages`, 3);
      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
      expect(pages[2].nextCursor).toBeNull();
      const ids = items.map((m) => m.id);
      expect(new Set(ids).size).toBe(7);
      expect([...ids].sort()).toEqual(stored.map((r) => r.message.id).sort());
      expect(ids).toEqual(keysetOrder(items, (m) => m.sentAt).map((m) => m.id));
      expect(items.every((m) => m.conversationId === conversationId)).toBe(true);
    });
  });

  describe('filters', () => {
    it('status, channelId and assigneeId each return only matching conversations', async () => {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      const chA = await t.createChannel(owner);
      const chB = await t.createChannel(owner, 'telegram');
      const inA = [];
      for (let i = 0; i < 3; i++) inA.push((await t.inbound(owner, chA, { sentAt: minutesAgo(10 + i) })).conversation.id);
      const inB = [];
      for (let i = 0; i < 2; i++) inB.push((await t.inbound(owner, chB, { channelKind: 'telegram', sentAt: minutesAgo(20 + i) })).conversation.id);

      expect((await patch(owner, inA[0], { status: 'resolved' })).status).toBe(200);
      expect((await patch(owner, inB[0], { status: 'pending' })).status).toBe(200);
      expect((await patch(owner, inA[1], { assigneeId: agent.userId })).body.assigneeId).toBe(agent.userId);
      expect((await patch(owner, inB[1], { assigneeId: agent.userId })).body.assigneeId).toBe(agent.userId);

      const ids = async (query: string) => {
        const res = await get(owner, `/api/conversations?${query}`);
        expect(res.status).toBe(200);
        return res.body.items;
      };
      const idSet = (items: any[]) => new Set(items.map((c) => c.id));

      const resolved = await ids('status=resolved');
      expect(idSet(resolved)).toEqual(new Set([inA[0]]));
      const pending = await ids('status=pending');
      expect(idSet(pending)).toEqual(new Set([inB[0]]));
      const open = await ids('status=open');
      expect(idSet(open)).toEqual(new Set([inA[1], inA[2], inB[1]]));
      expect(open.every((c: any) => c.status === 'open')).toBe(true);

      const channelB = await ids(`channelId=${chB}`);
      expect(idSet(channelB)).toEqual(new Set(inB));
      expect(channelB.every((c: any) => c.channelId === chB)).toBe(true);

      const assigned = await ids(`assigneeId=${agent.userId}`);
      expect(idSet(assigned)).toEqual(new Set([inA[1], inB[1]]));
      expect(assigned.every((c: any) => c.assigneeId === agent.userId)).toBe(true);

      const combined = await ids(`assigneeId=${agent.userId}&channelId=${chA}&status=open`);
      expect(idSet(combined)).toEqual(new Set([inA[1]]));

      expect(await ids(`channelId=${randomUUID()}`)).toEqual([]);

      // The agent sees the same inbox as the owner.
      const asAgent = await get(agent, `/api/conversations?assigneeId=${agent.userId}`);
      expect(idSet(asAgent.body.items)).toEqual(new Set([inA[1], inB[1]]));
    });
  });

  describe('PATCH /api/conversations/:id', () => {
    it('changes status and assignee; null unassigns', async () => {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      const channelId = await t.createChannel(owner);
      const { conversation } = await t.inbound(owner, channelId);

      const pending = await patch(owner, conversation.id, { status: 'pending' });
      expect(pending.status).toBe(200);
      expect(pending.body).toMatchObject({ id: conversation.id, status: 'pending', assigneeId: null });

      const assigned = await patch(agent, conversation.id, { assigneeId: agent.userId });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ status: 'pending', assigneeId: agent.userId });
      expect((await get(owner, `/api/conversations/${conversation.id}`)).body.assigneeId).toBe(agent.userId);

      const both = await patch(owner, conversation.id, { status: 'open', assigneeId: owner.userId });
      expect(both.body).toMatchObject({ status: 'open', assigneeId: owner.userId });

      const unassigned = await patch(owner, conversation.id, { assigneeId: null });
      expect(unassigned.status).toBe(200);
      expect(unassigned.body).toMatchObject({ status: 'open', assigneeId: null });
      const reread = await get(owner, `/api/conversations/${conversation.id}`);
      expect(reread.body).toMatchObject({ status: 'open', assigneeId: null });
    });

    it('rejects an invalid status with VALIDATION_FAILED and changes nothing', async () => {
      const owner = await t.signup();
      const channelId = await t.createChannel(owner);
      const { conversation } = await t.inbound(owner, channelId);

      for (const body of [{ status: 'closed' }, { status: 'OPEN' }, { status: null }, { assigneeId: 'not-a-uuid' }]) {
        const res = await patch(owner, conversation.id, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(String) });
      }
      const unknownUser = await patch(owner, conversation.id, { assigneeId: randomUUID() });
      expect(unknownUser.status).toBe(400);
      expect(unknownUser.body.code).toBe('ASSIGNEE_NOT_FOUND');

      const reread = await get(owner, `/api/conversations/${conversation.id}`);
      expect(reread.body).toMatchObject({ status: 'open', assigneeId: null });
    });

    it('answers 404 CONVERSATION_NOT_FOUND for an id that does not exist', async () => {
      const owner = await t.signup();
      const res = await patch(owner, randomUUID(), { status: 'resolved' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('CONVERSATION_NOT_FOUND');
    });
  });

  describe('replies and notes', () => {
    it('POST messages queues an outbound reply authored by the caller', async () => {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      const channelId = await t.createChannel(owner);
      const { conversation, message: inbound } = await t.inbound(owner, channelId, { sentAt: minutesAgo(5) });

      const sent = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: agent.token, body: { text: 'How can I help?' } });
      expect(sent.status).toBe(202);
      expect(sent.body).toMatchObject({
        id: expect.any(String),
        conversationId: conversation.id,
        direction: 'outbound',
        status: 'queued',
        text: 'How can I help?',
        authorId: agent.userId,
        externalId: null,
        error: null,
      });

      const messages = await get(owner, `/api/conversations/${conversation.id}/messages`);
      expect(messages.body.items.map((m: any) => [m.id, m.direction])).toEqual([
        [sent.body.id, 'outbound'],
        [inbound.id, 'inbound'],
      ]);

      // A reply is activity: the conversation moves up, but it is not inbound activity.
      const conv = await get(owner, `/api/conversations/${conversation.id}`);
      expect(conv.body.lastMessageAt).toBe(sent.body.sentAt);
      expect(conv.body.lastInboundAt).toBe(conversation.lastInboundAt!.toISOString());
    });

    it('notes are created with 201, listed, and never appear among messages', async () => {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      const channelId = await t.createChannel(owner);
      const { conversation, message } = await t.inbound(owner, channelId);

      const first = await t.request('POST', `/api/conversations/${conversation.id}/notes`, { token: owner.token, body: { text: 'VIP customer' } });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        id: expect.any(String),
        conversationId: conversation.id,
        authorId: owner.userId,
        text: 'VIP customer',
        createdAt: expect.any(String),
      });
      const second = await t.request('POST', `/api/conversations/${conversation.id}/notes`, { token: agent.token, body: { text: 'called back' } });
      expect(second.status).toBe(201);

      const notes = await get(agent, `/api/conversations/${conversation.id}/notes`);
      expect(notes.status).toBe(200);
      expect(notes.body.items.map((n: any) => [n.id, n.authorId, n.text])).toEqual([
        [first.body.id, owner.userId, 'VIP customer'],
        [second.body.id, agent.userId, 'called back'],
      ]);

      const messages = await get(owner, `/api/conversations/${conversation.id}/messages`);
      expect(messages.body.items.map((m: any) => m.id)).toEqual([message.id]);
      expect(JSON.stringify(messages.body)).not.toContain('VIP customer');
    });
  });
});
