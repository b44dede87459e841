import { TestApp, TestTenant } from './support/test-app';

/** An agent of tenant B must not learn that tenant A's objects exist: 404 everywhere. */
describe('tenant isolation through the API', () => {
  let t: TestApp;
  let a: TestTenant;
  let bAgent: TestTenant;
  let ids: { conversation: string; message: string; note: string; contact: string };

  beforeAll(async () => {
    t = await TestApp.start();
    a = await t.signup({ organizationName: 'Tenant A' });
    const b = await t.signup({ organizationName: 'Tenant B' });
    bAgent = await t.addUser(b, 'agent');
    const channel = await t.createChannel(a);
    const { conversation, message } = await t.inbound(a, channel, { text: 'secret of A' });
    const note = await t.request('POST', `/api/conversations/${conversation.id}/notes`, { token: a.token, body: { text: 'note of A' } });
    ids = { conversation: conversation.id, message: message.id, note: note.body.id, contact: conversation.contactId };
  });
  afterAll(() => t.close());

  it('tenant A sees its own objects', async () => {
    expect((await t.request('GET', `/api/conversations/${ids.conversation}`, { token: a.token })).status).toBe(200);
    expect((await t.request('GET', `/api/contacts/${ids.contact}`, { token: a.token })).status).toBe(200);
  });

  it.each([
    ['GET', () => `/api/conversations/${ids.conversation}`, undefined],
    ['PATCH', () => `/api/conversations/${ids.conversation}`, { status: 'resolved' }],
    ['GET', () => `/api/conversations/${ids.conversation}/messages`, undefined],
    ['POST', () => `/api/conversations/${ids.conversation}/messages`, { text: 'hijack' }],
    ['GET', () => `/api/conversations/${ids.conversation}/notes`, undefined],
    ['POST', () => `/api/conversations/${ids.conversation}/notes`, { text: 'hijack' }],
    ['GET', () => `/api/contacts/${ids.contact}`, undefined],
    // message and note ids used where a conversation id is expected must not reveal anything either
    ['GET', () => `/api/conversations/${ids.message}`, undefined],
    ['GET', () => `/api/conversations/${ids.note}/messages`, undefined],
  ] as const)('%s %s answers 404 to tenant B', async (method, url, body) => {
    const res = await t.request(method, url(), { token: bAgent.token, body });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('secret of A');
  });

  it("tenant B lists none of A's conversations", async () => {
    const list = await t.request('GET', '/api/conversations?limit=100', { token: bAgent.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it("nothing B tried changed A's data", async () => {
    const conv = await t.request('GET', `/api/conversations/${ids.conversation}`, { token: a.token });
    expect(conv.body.status).toBe('open');
    const msgs = await t.request('GET', `/api/conversations/${ids.conversation}/messages`, { token: a.token });
    expect(msgs.body.items.map((m: { text: string }) => m.text)).toEqual(['secret of A']);
    const notes = await t.request('GET', `/api/conversations/${ids.conversation}/notes`, { token: a.token });
    expect(notes.body.items.map((n: { text: string }) => n.text)).toEqual(['note of A']);
  });

  it('a body carrying tenantId is rejected', async () => {
    const res = await t.request('PATCH', `/api/conversations/${ids.conversation}`, {
      token: a.token,
      body: { status: 'pending', tenantId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const signup = await t.request('POST', '/api/auth/signup', {
      body: { organizationName: 'X', email: 'x-tenant@example.test', password: 'a long enough password', tenantId: a.tenantId },
    });
    expect(signup.status).toBe(400);
  });

  it("cannot assign a conversation to another tenant's user", async () => {
    const res = await t.request('PATCH', `/api/conversations/${ids.conversation}`, { token: a.token, body: { assigneeId: bAgent.userId } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ASSIGNEE_NOT_FOUND');
  });
});
