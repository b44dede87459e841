import { TestApp, TestTenant } from './support/test-app';

/**
 * The agent's triage over REST: labels, the list's filters and rows, the tabs' counts, bulk
 * changes and per-agent read state. Every route answers another organization's ids with 404.
 */
describe('inbox triage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
  const ids = async (who: TestTenant, query: string) => {
    const res = await call(who, 'GET', `/api/conversations?${query}`);
    expect(res.status).toBe(200);
    return res.body.items.map((c: { id: string }) => c.id);
  };

  /** A tenant with an agent and three conversations from named contacts. */
  async function inbox() {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const alice = await t.inbound(owner, channelId, {
      contactName: 'Alice Liddell',
      externalContactId: 'psid-alice',
      text: 'where is my order?',
      sentAt: minutesAgo(30),
    });
    const bob = await t.inbound(owner, channelId, { contactName: 'Bob Builder', externalContactId: 'psid-bob', text: 'hello', sentAt: minutesAgo(20) });
    const carol = await t.inbound(owner, channelId, { contactName: 'Carol', externalContactId: 'psid-carol', text: 'refund please', sentAt: minutesAgo(10) });
    return {
      owner,
      agent,
      channelId,
      alice: alice.conversation.id,
      bob: bob.conversation.id,
      carol: carol.conversation.id,
      aliceContact: alice.conversation.contactId,
    };
  }

  describe('labels', () => {
    it('owners and admins define labels; names are unique whatever their case; agents read them', async () => {
      const { owner, agent } = await inbox();
      const created = await call(owner, 'POST', '/api/labels', { name: '  Billing ', colour: '#FF0000' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: 'Billing',
        colour: '#ff0000',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect((await call(owner, 'POST', '/api/labels', { name: 'billing', colour: '#00ff00' })).body).toMatchObject({
        statusCode: 409,
        code: 'LABEL_NAME_TAKEN',
      });
      const vip = await call(owner, 'POST', '/api/labels', { name: 'VIP', colour: '#123abc' });

      expect((await call(agent, 'POST', '/api/labels', { name: 'x', colour: '#000000' })).status).toBe(403);
      expect((await call(agent, 'PATCH', `/api/labels/${vip.body.id}`, { name: 'y' })).status).toBe(403);
      expect((await call(agent, 'DELETE', `/api/labels/${vip.body.id}`)).status).toBe(403);
      const listed = await call(agent, 'GET', '/api/labels');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((l: { name: string }) => l.name)).toEqual(['Billing', 'VIP']);
      expect((await call(agent, 'GET', `/api/labels/${vip.body.id}`)).body.name).toBe('VIP');

      const renamed = await call(owner, 'PATCH', `/api/labels/${vip.body.id}`, { name: 'Very important', colour: '#ABCDEF' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'Very important', colour: '#abcdef' });
      expect((await call(owner, 'PATCH', `/api/labels/${vip.body.id}`, { name: 'BILLING' })).body.code).toBe('LABEL_NAME_TAKEN');
      expect((await call(owner, 'PATCH', `/api/labels/${vip.body.id}`, {})).body.code).toBe('EMPTY_PATCH');
      for (const bad of [
        { name: 'x', colour: 'red' },
        { name: '   ', colour: '#000000' },
        { name: 'a\u202eb', colour: '#000000' },
        { name: 'x'.repeat(51), colour: '#000000' },
        { colour: '#000000' },
      ]) {
        const res = await call(owner, 'POST', '/api/labels', bad);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }

      expect((await call(owner, 'DELETE', `/api/labels/${vip.body.id}`)).status).toBe(204);
      expect((await call(owner, 'GET', `/api/labels/${vip.body.id}`)).body).toMatchObject({ statusCode: 404, code: 'LABEL_NOT_FOUND' });
      expect((await call(owner, 'DELETE', `/api/labels/${vip.body.id}`)).status).toBe(404);
    });

    it("another organization's labels answer 404 on every route", async () => {
      const { owner } = await inbox();
      const label = (await call(owner, 'POST', '/api/labels', { name: 'Mine', colour: '#000000' })).body;
      const other = await t.signup();
      expect((await call(other, 'GET', `/api/labels/${label.id}`)).status).toBe(404);
      expect((await call(other, 'PATCH', `/api/labels/${label.id}`, { name: 'Stolen' })).status).toBe(404);
      expect((await call(other, 'DELETE', `/api/labels/${label.id}`)).status).toBe(404);
      expect((await call(other, 'GET', '/api/labels')).body.items).toEqual([]);
      expect((await call(owner, 'GET', `/api/labels/${label.id}`)).body.name).toBe('Mine');
    });

    it('PUT /api/conversations/:id/labels replaces them; the list filters by id or name; deleting a label takes it off', async () => {
      const { owner, agent, alice, bob } = await inbox();
      const billing = (await call(owner, 'POST', '/api/labels', { name: 'Billing', colour: '#ff0000' })).body;
      const urgent = (await call(owner, 'POST', '/api/labels', { name: 'Angry', colour: '#00ff00' })).body;

      const put = await call(agent, 'PUT', `/api/conversations/${alice}/labels`, { labelIds: [billing.id, urgent.id, billing.id] });
      expect(put.status).toBe(200);
      expect(put.body.items).toEqual([
        { id: urgent.id, name: 'Angry', colour: '#00ff00' },
        { id: billing.id, name: 'Billing', colour: '#ff0000' },
      ]);
      await call(agent, 'PUT', `/api/conversations/${bob}/labels`, { labelIds: [billing.id] });

      expect((await ids(agent, `labels=${billing.id}`)).sort()).toEqual([alice, bob].sort());
      expect(await ids(agent, `labels=billing,ANGRY`)).toEqual([alice]);
      expect(await ids(agent, `labels=${billing.id},nosuchlabel`)).toEqual([]);
      const row = (await call(agent, 'GET', `/api/conversations/${alice}`)).body;
      expect(row.labels.map((l: { name: string }) => l.name)).toEqual(['Angry', 'Billing']);

      expect((await call(agent, 'PUT', `/api/conversations/${alice}/labels`, { labelIds: [urgent.id] })).body.items).toHaveLength(1);
      expect(await ids(agent, `labels=billing`)).toEqual([bob]);
      expect((await call(owner, 'DELETE', `/api/labels/${billing.id}`)).status).toBe(204);
      expect((await call(agent, 'GET', `/api/conversations/${bob}`)).body.labels).toEqual([]);
      expect((await call(agent, 'PUT', `/api/conversations/${alice}/labels`, { labelIds: [] })).body.items).toEqual([]);

      // Another organization's conversation or label: 404, nothing changes.
      const other = await inbox();
      const theirLabel = (await call(other.owner, 'POST', '/api/labels', { name: 'Theirs', colour: '#000000' })).body;
      expect((await call(owner, 'PUT', `/api/conversations/${other.alice}/labels`, { labelIds: [] })).body).toMatchObject({
        statusCode: 404,
        code: 'CONVERSATION_NOT_FOUND',
      });
      expect((await call(owner, 'PUT', `/api/conversations/${alice}/labels`, { labelIds: [theirLabel.id] })).body).toMatchObject({
        statusCode: 404,
        code: 'LABEL_NOT_FOUND',
      });
      expect((await call(owner, 'PUT', `/api/conversations/${alice}/labels`, { labelIds: ['nope'] })).body.code).toBe('VALIDATION_FAILED');
      expect((await call(owner, 'PUT', `/api/conversations/${alice}/labels`, {})).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('the list', () => {
    it("each row carries the contact, a preview of the last message, the caller's unread count, labels and priority", async () => {
      const { owner, agent, channelId, alice } = await inbox();
      await t.inbound(owner, channelId, { externalContactId: 'psid-alice', text: `second ${'x'.repeat(300)}`, sentAt: minutesAgo(5) });
      const list = await call(agent, 'GET', '/api/conversations');
      expect(list.status).toBe(200);
      const row = list.body.items.find((c: { id: string }) => c.id === alice);
      expect(row).toMatchObject({
        contact: { id: expect.any(String), displayName: 'Alice Liddell' },
        lastMessage: { direction: 'inbound', text: `second ${'x'.repeat(133)}`, at: expect.any(String) },
        unreadCount: 2,
        labels: [],
        priority: null,
        snoozedUntil: null,
      });
      expect(row.contact.id).toBe(row.contactId);
      expect(row.lastMessage.text).toHaveLength(140);
      expect(list.body.items.map((c: { id: string }) => c.id)[0]).toBe(alice); // newest activity first
      expect(JSON.stringify(list.body)).not.toMatch(/tenant_?id/i);

      await call(agent, 'POST', `/api/conversations/${alice}/messages`, { text: 'on its way' });
      const after = (await call(agent, 'GET', `/api/conversations/${alice}`)).body;
      expect(after.lastMessage).toMatchObject({ direction: 'outbound', text: 'on its way' });
    });

    it('assignee=me|unassigned|<userId>, priority, q, unread and sort=waiting', async () => {
      const { owner, agent, alice, bob, carol, aliceContact } = await inbox();
      expect((await call(owner, 'PATCH', `/api/conversations/${alice}`, { assigneeId: agent.userId, priority: 'urgent' })).body).toMatchObject({
        assigneeId: agent.userId,
        priority: 'urgent',
      });
      expect((await call(owner, 'PATCH', `/api/conversations/${bob}`, { assigneeId: owner.userId, priority: 'low' })).status).toBe(200);

      expect(await ids(agent, 'assignee=me')).toEqual([alice]);
      expect(await ids(owner, 'assignee=me')).toEqual([bob]);
      expect(await ids(owner, `assignee=${agent.userId}`)).toEqual([alice]);
      expect(await ids(owner, 'assignee=unassigned')).toEqual([carol]);
      expect(await ids(owner, 'priority=urgent,low')).toEqual([bob, alice]);
      expect(await ids(owner, 'priority=none')).toEqual([carol]);
      expect(await ids(owner, 'priority=none,urgent')).toEqual([carol, alice]);
      expect(await ids(owner, 'q=liddell')).toEqual([alice]);
      expect(await ids(owner, 'q=psid-bob')).toEqual([bob]);
      expect(await ids(owner, `q=${carol.toUpperCase()}`)).toEqual([carol]);
      expect(await ids(owner, 'q=%25')).toEqual([]); // no LIKE wildcards
      expect(await ids(owner, 'q=')).toHaveLength(3);

      // Unread is per agent: reading as the agent leaves the owner's state alone.
      expect(await ids(agent, 'assignee=me&unread=true')).toEqual([alice]);
      const read = await call(agent, 'POST', `/api/conversations/${alice}/read`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ conversationId: alice, readUpTo: expect.any(String), unreadCount: 0 });
      expect(await ids(agent, 'assignee=me&unread=true')).toEqual([]);
      expect(await ids(agent, 'unread=false')).toEqual([alice]);
      expect((await ids(owner, 'unread=true')).sort()).toEqual([alice, bob, carol].sort());
      await t.inbound(owner, (await call(owner, 'GET', `/api/conversations/${alice}`)).body.channelId, { externalContactId: 'psid-alice', text: 'again' });
      expect(await ids(agent, 'assignee=me&unread=true')).toEqual([alice]);
      expect((await call(agent, 'GET', `/api/conversations/${alice}`)).body.unreadCount).toBe(1);

      // Waiting: conversations whose last message is the contact's, longest waiting first.
      expect(await ids(owner, 'sort=waiting')).toEqual([bob, carol, alice]);
      await call(owner, 'POST', `/api/conversations/${bob}/messages`, { text: 'answered' });
      expect(await ids(owner, 'sort=waiting')).toEqual([carol, alice]);
      const paged = await call(owner, 'GET', '/api/conversations?sort=waiting&limit=1');
      expect(paged.body.items.map((c: { id: string }) => c.id)).toEqual([carol]);
      const second = await call(owner, 'GET', `/api/conversations?sort=waiting&limit=1&cursor=${paged.body.nextCursor}`);
      expect(second.body.items.map((c: { id: string }) => c.id)).toEqual([alice]);
      expect(second.body.nextCursor).toBeNull();

      expect(aliceContact).toBeDefined();
      for (const bad of [
        'assignee=someone',
        'assignee=me&assigneeId=' + agent.userId,
        'priority=critical',
        'unread=yes',
        'sort=oldest',
        `labels=${Array.from({ length: 11 }, (_, i) => `l${i}`).join(',')}`,
        `q=${'x'.repeat(201)}`,
        'labels=a&labels=b',
      ]) {
        const res = await call(owner, 'GET', `/api/conversations?${bad}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
    });

    it("POST read up to a message; another conversation's message or another tenant's conversation answers 404", async () => {
      const { owner, agent, channelId, alice, bob } = await inbox();
      const second = await t.inbound(owner, channelId, { externalContactId: 'psid-alice', text: 'later', sentAt: minutesAgo(1) });
      const first = (await call(agent, 'GET', `/api/conversations/${alice}/messages`)).body.items.find(
        (m: { text: string }) => m.text === 'where is my order?',
      );
      const upToFirst = await call(agent, 'POST', `/api/conversations/${alice}/read`, { messageId: first.id });
      expect(upToFirst.body).toMatchObject({ unreadCount: 1 });
      // Reading never moves backwards.
      await call(agent, 'POST', `/api/conversations/${alice}/read`, { messageId: second.message.id });
      expect((await call(agent, 'POST', `/api/conversations/${alice}/read`, { messageId: first.id })).body.unreadCount).toBe(0);

      expect((await call(agent, 'POST', `/api/conversations/${bob}/read`, { messageId: first.id })).body).toMatchObject({
        statusCode: 404,
        code: 'MESSAGE_NOT_FOUND',
      });
      expect((await call(agent, 'POST', `/api/conversations/${bob}/read`, { messageId: 'x' })).body.code).toBe('VALIDATION_FAILED');
      const other = await t.signup();
      expect((await call(other, 'POST', `/api/conversations/${alice}/read`)).body).toMatchObject({ statusCode: 404, code: 'CONVERSATION_NOT_FOUND' });
      expect((await call(other, 'GET', `/api/conversations/${alice}`)).status).toBe(404);
    });
  });

  it('GET /api/conversations/counts: per status, and all, mine, mine unread, unassigned within one', async () => {
    const { owner, agent, alice, bob, carol } = await inbox();
    await call(owner, 'PATCH', `/api/conversations/${alice}`, { assigneeId: agent.userId });
    await call(owner, 'PATCH', `/api/conversations/${bob}`, { assigneeId: agent.userId, status: 'pending' });
    await call(owner, 'PATCH', `/api/conversations/${carol}`, { status: 'resolved' });
    const counts = await call(agent, 'GET', '/api/conversations/counts');
    expect(counts.status).toBe(200);
    expect(counts.body).toEqual({ byStatus: { open: 1, pending: 1, snoozed: 0, resolved: 1 }, status: 'open', all: 1, mine: 1, mineUnread: 1, unassigned: 0 });
    await call(agent, 'POST', `/api/conversations/${alice}/read`);
    expect((await call(agent, 'GET', '/api/conversations/counts')).body).toMatchObject({ mine: 1, mineUnread: 0 });
    expect((await call(agent, 'GET', '/api/conversations/counts?status=resolved')).body).toMatchObject({ status: 'resolved', all: 1, mine: 0, unassigned: 1 });
    expect((await call(agent, 'GET', '/api/conversations/counts?status=closed')).body.code).toBe('VALIDATION_FAILED');
    const other = await t.signup();
    expect((await call(other, 'GET', '/api/conversations/counts')).body).toMatchObject({ byStatus: { open: 0, pending: 0, snoozed: 0, resolved: 0 }, all: 0 });
  });

  describe('POST /api/conversations/bulk', () => {
    it('sets status, assignee, priority and labels on many at once; ids of another organization are not found', async () => {
      const { owner, agent, alice, bob, carol } = await inbox();
      const other = await inbox();
      const label = (await call(owner, 'POST', '/api/labels', { name: 'Returns', colour: '#0000ff' })).body;
      const res = await call(agent, 'POST', '/api/conversations/bulk', {
        ids: [alice, bob, other.carol, alice],
        set: { status: 'pending', assigneeId: agent.userId, priority: 'high', labelIds: [label.id] },
      });
      expect(res.status).toBe(200);
      expect(res.body.updated.sort()).toEqual([alice, bob].sort());
      expect(res.body.notFound).toEqual([other.carol]);
      for (const id of [alice, bob]) {
        expect((await call(agent, 'GET', `/api/conversations/${id}`)).body).toMatchObject({
          status: 'pending',
          assigneeId: agent.userId,
          priority: 'high',
          labels: [{ id: label.id }],
        });
      }
      expect((await call(agent, 'GET', `/api/conversations/${carol}`)).body).toMatchObject({ status: 'open', assigneeId: null, priority: null, labels: [] });
      expect((await call(other.owner, 'GET', `/api/conversations/${other.carol}`)).body).toMatchObject({ status: 'open', assigneeId: null, priority: null });

      const unassign = await call(owner, 'POST', '/api/conversations/bulk', { ids: [alice, bob], set: { assigneeId: null, priority: null } });
      expect(unassign.body.updated).toHaveLength(2);
      expect((await call(agent, 'GET', `/api/conversations/${bob}`)).body).toMatchObject({
        status: 'pending',
        assigneeId: null,
        priority: null,
        labels: [{ id: label.id }],
      });

      // All or nothing: a label of another organization changes none of them.
      const theirs = (await call(other.owner, 'POST', '/api/labels', { name: 'Theirs', colour: '#000000' })).body;
      expect((await call(owner, 'POST', '/api/conversations/bulk', { ids: [carol], set: { status: 'resolved', labelIds: [theirs.id] } })).body.code).toBe(
        'LABEL_NOT_FOUND',
      );
      expect((await call(owner, 'GET', `/api/conversations/${carol}`)).body.status).toBe('open');

      expect((await call(owner, 'POST', '/api/conversations/bulk', { ids: [carol], set: { assigneeId: other.agent.userId } })).body.code).toBe(
        'ASSIGNEE_NOT_FOUND',
      );
      expect((await call(owner, 'POST', '/api/conversations/bulk', { ids: [carol], set: {} })).body.code).toBe('EMPTY_PATCH');
      for (const bad of [
        { ids: [], set: { status: 'open' } },
        { ids: ['x'], set: { status: 'open' } },
        { ids: [carol], set: { status: 'closed' } },
        { ids: [carol] },
        { ids: Array(101).fill(carol), set: { status: 'open' } },
      ]) {
        const r = await call(owner, 'POST', '/api/conversations/bulk', bad);
        expect([r.status, r.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    });
  });
});
