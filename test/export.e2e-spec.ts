import { TestApp, TestTenant } from './support/test-app';

/** A Customer exports its data, streamed; Meta-origin contacts only with their consent. */
describe('exports', () => {
  let t: TestApp;
  let owner: TestTenant;
  let ids: { telegram: string; meta: string; metaConsenting: string };

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup();
    const tg = await t.createChannel(owner, 'telegram');
    const fb = await t.createChannel(owner, 'messenger');
    const a = await t.inbound(owner, tg, { channelKind: 'telegram', externalContactId: 'tg-1', contactName: '=cmd|calc', text: 'hello, "quoted"\nnew line' });
    const b = await t.inbound(owner, fb, { externalContactId: 'psid-nc', contactName: 'No Consent', text: 'meta without consent' });
    const c = await t.inbound(owner, fb, { externalContactId: 'psid-c', contactName: 'Consented', text: 'meta with consent' });
    await t.request('PUT', `/api/contacts/${c.conversation.contactId}/consents`, {
      token: owner.token,
      body: { consents: [{ purpose: 'data_export', granted: true, source: 'export consent form' }] },
    });
    ids = { telegram: a.conversation.contactId, meta: b.conversation.contactId, metaConsenting: c.conversation.contactId };
  });
  afterAll(() => t.close());

  it('streams contacts as JSON lines, withholding Meta-origin contacts without consent, and audits it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/exports/contacts.jsonl', headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id).sort()).toEqual([ids.telegram, ids.metaConsenting].sort());
    const audit = await t.request('GET', '/api/audit-log', { token: owner.token });
    expect(audit.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'export.contacts', decision: 'deny', reason: expect.stringContaining('1 Meta/WhatsApp-origin contact(s) withheld') }),
      ]),
    );
  });

  it('streams messages as CSV, quoting safely', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/exports/conversations.csv', headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="conversations.csv"');
    expect(res.body.split('\r\n')[0]).toBe('"conversationId","contactId","channelId","messageId","direction","sentAt","text","attachments"');
    expect(res.body).toContain('"hello, ""quoted""\nnew line"');
    expect(res.body).toContain('meta with consent');
    expect(res.body).not.toContain('meta without consent');
  });

  it("carries contacts' custom attributes, and files as references (name, type, size, API path), never bytes or platform links", async () => {
    const def = await t.request('POST', '/api/attribute-definitions', {
      token: owner.token,
      body: { entity: 'contact', key: 'tier', label: 'Tier', type: 'text' },
    });
    expect(def.status).toBe(201);
    expect((await t.request('PATCH', `/api/contacts/${ids.telegram}`, { token: owner.token, body: { customAttributes: { tier: 'gold' } } })).status).toBe(200);
    const tg = await t.createChannel(owner, 'telegram');
    const photo = await t.inbound(owner, tg, {
      channelKind: 'telegram',
      externalContactId: 'tg-photo',
      text: 'see attached',
      attachments: [{ type: 'image', url: 'https://cdn.example/secret-token/p.jpg', mimeType: 'image/jpeg', name: 'p.jpg', size: 1234 }],
    });
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${owner.token}` } });
    const jsonl = (body: string) =>
      body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const contacts = jsonl((await get('/api/exports/contacts.jsonl')).body);
    expect(contacts.find((c) => c.id === ids.telegram).customAttributes).toEqual({ tier: 'gold' });
    const messages = await get('/api/exports/conversations.jsonl');
    expect(messages.body).not.toContain('secret-token');
    expect(jsonl(messages.body).find((m) => m.messageId === photo.message.id).attachments).toEqual([
      {
        type: 'image',
        name: 'p.jpg',
        mimeType: 'image/jpeg',
        size: 1234,
        sha256: null,
        path: `/api/conversations/${photo.conversation.id}/messages/${photo.message.id}/attachments/0`,
      },
    ]);
  });

  it('neutralises spreadsheet formulas in CSV', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/exports/contacts.csv', headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.body).toContain(`"'=cmd|calc"`);
  });

  it('neutralises formulas hidden behind leading whitespace too', async () => {
    const tg = await t.createChannel(owner, 'telegram');
    await t.inbound(owner, tg, {
      channelKind: 'telegram',
      externalContactId: 'tg-ws',
      contactName: ' \t=HYPERLINK("http://evil.example","x")',
      text: "\r\n  -2+3+cmd|' /C calc'!A0",
    });
    const contacts = await t.app.inject({ method: 'GET', url: '/api/exports/contacts.csv', headers: { authorization: `Bearer ${owner.token}` } });
    expect(contacts.body).toContain(`"' \t=HYPERLINK(""http://evil.example"",""x"")"`);
    const messages = await t.app.inject({ method: 'GET', url: '/api/exports/conversations.csv', headers: { authorization: `Bearer ${owner.token}` } });
    expect(messages.body).toContain(`"'\r\n  -2+3+cmd|' /C calc'!A0"`);
  });

  it('is for owners and admins, and only known formats', async () => {
    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('GET', '/api/exports/contacts.jsonl', { token: agent.token })).status).toBe(403);
    expect((await t.request('GET', '/api/exports/contacts.xml', { token: owner.token })).status).toBe(404);
    const other = await t.signup();
    const foreign = await t.app.inject({ method: 'GET', url: '/api/exports/contacts.jsonl', headers: { authorization: `Bearer ${other.token}` } });
    expect(foreign.body).toBe('');
  });
});
