import { TestApp, TestTenant } from './support/test-app';

/** The contacts directory: find, create, edit, a contact's conversations, merging two into one. */
describe('contacts directory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const get = (who: TestTenant, url: string) => t.request('GET', url, { token: who.token });
  const post = (who: TestTenant, url: string, body: unknown) => t.request('POST', url, { token: who.token, body });
  const patch = (who: TestTenant, url: string, body: unknown) => t.request('PATCH', url, { token: who.token, body });
  const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((c) => c.id);
  const auditOf = async (owner: TestTenant, action: string) =>
    (await get(owner, '/api/audit-log')).body.items.filter((e: { action: string }) => e.action === action);

  it('creates a contact with its phone in E.164 whatever the format, and audits it', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const res = await post(agent, '/api/contacts', { displayName: '  Anna Petrova ', phone: '+7 (912) 345-67-89', email: ' Anna@Example.com ' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      displayName: 'Anna Petrova',
      phone: '+79123456789',
      email: 'Anna@Example.com',
      origin: 'agent',
      customAttributes: {},
      identities: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await get(agent, `/api/contacts/${res.body.id}`)).body).toEqual(res.body);
    expect(await auditOf(owner, 'contact.create')).toEqual([
      expect.objectContaining({ actor: `user:${agent.userId}`, subject: `contact:${res.body.id}`, decision: 'allow' }),
    ]);

    // A Russian organization may type the national format.
    const ru = await t.signup({ region: 'ru' });
    expect((await post(ru, '/api/contacts', { phone: '8 912 345 67 89' })).body.phone).toBe('+79123456789');
    expect((await post(owner, '/api/contacts', {})).status).toBe(201);
  });

  it('refuses bad input with stable codes', async () => {
    const owner = await t.signup();
    for (const [body, code] of [
      [{ phone: '8 912 345 67 89' }, 'INVALID_PHONE'], // national format of an eu organization: which country?
      [{ phone: 'call me' }, 'INVALID_PHONE'],
      [{ email: 'not an address' }, 'VALIDATION_FAILED'],
      [{ displayName: '   ' }, 'VALIDATION_FAILED'],
      [{ displayName: 'a\u202eb' }, 'VALIDATION_FAILED'],
      [{ displayName: 'x'.repeat(201) }, 'VALIDATION_FAILED'],
      [{ tenantId: owner.tenantId }, 'VALIDATION_FAILED'],
      [{ phone: 12345 }, 'VALIDATION_FAILED'],
    ] as const) {
      const res = await post(owner, '/api/contacts', body);
      expect([res.status, res.body.code]).toEqual([400, code]);
    }
    expect((await get(owner, '/api/contacts?limit=0')).body.code).toBe('VALIDATION_FAILED');
    expect((await get(owner, '/api/contacts?cursor=nope')).body.code).toBe('INVALID_CURSOR');
    expect((await get(owner, `/api/contacts?q=${'x'.repeat(201)}`)).body.code).toBe('VALIDATION_FAILED');
    expect((await get(owner, '/api/contacts/not-a-uuid')).body.code).toBe('INVALID_ID');
  });

  it('lists newest first by keyset and finds by name, e-mail, phone in any format and platform id', async () => {
    const owner = await t.signup();
    const other = await t.signup();
    const made: string[] = [];
    for (const body of [
      { displayName: 'Анна Петрова', phone: '+79123456789' },
      { displayName: 'John Smith', email: 'john.smith@example.com' },
      { displayName: '100%_real', phone: '+44 20 7946 0958' },
      { displayName: 'Ivan' },
    ]) {
      made.push((await post(owner, '/api/contacts', body)).body.id);
    }
    const channelId = await t.createChannel(owner, 'whatsapp');
    const { conversation } = await t.inbound(owner, channelId, { channelKind: 'whatsapp', externalContactId: '4915112345678', contactName: 'Maria' });
    made.push(conversation.contactId);
    // Another organization's look-alikes are never found.
    await post(other, '/api/contacts', { displayName: 'Анна Петрова', phone: '+79123456789' });

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await get(owner, `/api/contacts?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(ids(res));
      cursor = res.body.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...made].reverse());

    const find = async (q: string) => ids(await get(owner, `/api/contacts?q=${encodeURIComponent(q)}`));
    expect(await find('анна')).toEqual([made[0]]); // case-insensitive, Cyrillic
    expect(await find('8 (912) 345-67-89')).toEqual([]); // national format of an eu organization: not a number it knows
    expect(await find('+7 912 345 67 89')).toEqual([made[0]]);
    expect(await find('79123456789')).toEqual([made[0]]);
    expect(await find('345-67-89')).toEqual([made[0]]); // the digits, as part of the number
    expect(await find('JOHN.SMITH@')).toEqual([made[1]]);
    expect(await find('%')).toEqual([made[2]]); // taken literally, not as a wildcard
    expect(await find('_')).toEqual([made[2]]);
    expect(await find('+49 151 12345678')).toEqual([made[4]]); // the WhatsApp id (no plus) of the identity
    expect(await find('Maria')).toEqual([made[4]]);
    expect(await find('nobody at all')).toEqual([]);

    const res = await get(owner, `/api/contacts?q=${encodeURIComponent('+79123456789')}`);
    expect(res.body.items[0]).toMatchObject({ displayName: 'Анна Петрова', phone: '+79123456789', identities: [] });
    expect(JSON.stringify(res.body)).not.toMatch(/tenant_?id/i);
  });

  it('edits a contact; null clears a field; the name an agent set survives the platform profile name', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const { conversation } = await t.inbound(owner, channelId, { externalContactId: 'psid-edit', contactName: 'Profile Name' });
    const id = conversation.contactId;

    const res = await patch(agent, `/api/contacts/${id}`, { displayName: 'Real Name', phone: '+1 415 555 2671', email: 'real@example.com' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id,
      displayName: 'Real Name',
      phone: '+14155552671',
      email: 'real@example.com',
      origin: 'channel',
      customAttributes: {},
      identities: [expect.objectContaining({ externalId: 'psid-edit' })],
    });

    await t.inbound(owner, channelId, { externalContactId: 'psid-edit', contactName: 'Changed Profile Name' });
    expect((await get(owner, `/api/contacts/${id}`)).body.displayName).toBe('Real Name');

    expect((await patch(agent, `/api/contacts/${id}`, { email: null, phone: null })).body).toMatchObject({
      displayName: 'Real Name',
      phone: null,
      email: null,
    });
    expect((await patch(agent, `/api/contacts/${id}`, {})).body.code).toBe('EMPTY_PATCH');
    expect((await patch(agent, `/api/contacts/${id}`, { phone: 'nope' })).body.code).toBe('INVALID_PHONE');
    expect(await auditOf(owner, 'contact.update')).toEqual([
      expect.objectContaining({ subject: `contact:${id}`, reason: 'fields: phone, email' }),
      expect.objectContaining({ subject: `contact:${id}`, reason: 'fields: displayName, phone, email' }),
    ]);

    // Cleared, the platform's name applies again.
    await patch(agent, `/api/contacts/${id}`, { displayName: null });
    await t.inbound(owner, channelId, { externalContactId: 'psid-edit', contactName: 'Newest Profile Name' });
    expect((await get(owner, `/api/contacts/${id}`)).body.displayName).toBe('Newest Profile Name');

    const stranger = await t.signup();
    expect((await patch(stranger, `/api/contacts/${id}`, { displayName: 'Mine now' })).status).toBe(404);
    expect((await get(owner, `/api/contacts/${id}`)).body.displayName).toBe('Newest Profile Name');
  });

  it("lists a contact's conversations; another tenant's contact is 404", async () => {
    const owner = await t.signup();
    const messenger = await t.createChannel(owner);
    const telegram = await t.createChannel(owner, 'telegram');
    const first = await t.inbound(owner, messenger, { externalContactId: 'psid-conv' });
    const second = await t.inbound(owner, telegram, { channelKind: 'telegram', externalContactId: '777' });
    await post(owner, `/api/contacts/${first.conversation.contactId}/merge`, { otherContactId: second.conversation.contactId });
    await t.inbound(owner, messenger, { externalContactId: 'psid-someone-else' });

    const res = await get(owner, `/api/contacts/${first.conversation.contactId}/conversations?limit=1`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ id: second.conversation.id, contactId: first.conversation.contactId })]);
    const rest = await get(owner, `/api/contacts/${first.conversation.contactId}/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
    expect(ids(rest)).toEqual([first.conversation.id]);
    expect(rest.body.nextCursor).toBeNull();

    const stranger = await t.signup();
    expect((await get(stranger, `/api/contacts/${first.conversation.contactId}/conversations`)).status).toBe(404);
    expect((await get(owner, `/api/contacts/${second.conversation.contactId}/conversations`)).body.code).toBe('CONTACT_MERGED');
  });

  it('merges identities, conversations and consents (the stricter wins), records and audits the merge', async () => {
    const owner = await t.signup();
    const admin = await t.addUser(owner, 'admin');
    const agent = await t.addUser(owner, 'agent');
    const messenger = await t.createChannel(owner);
    const whatsapp = await t.createChannel(owner, 'whatsapp');
    const a = await t.inbound(owner, messenger, { externalContactId: 'psid-anna', contactName: 'Anna (Messenger)' });
    const b = await t.inbound(owner, whatsapp, { channelKind: 'whatsapp', externalContactId: '79123456789', contactName: 'Anna P' });
    const keep = a.conversation.contactId;
    const gone = b.conversation.contactId;
    await patch(owner, `/api/contacts/${gone}`, { email: 'anna@example.com' });
    const consents = (id: string, list: Array<[string, boolean]>) =>
      t.request('PUT', `/api/contacts/${id}/consents`, {
        token: owner.token,
        body: { consents: list.map(([purpose, granted]) => ({ purpose, granted, source: `form for ${id}` })) },
      });
    expect(
      (
        await consents(keep, [
          ['whatsapp_opt_in', true],
          ['data_export', false],
        ])
      ).status,
    ).toBe(200);
    expect(
      (
        await consents(gone, [
          ['whatsapp_opt_in', false],
          ['data_export', true],
          ['crm_enrichment', true],
        ])
      ).status,
    ).toBe(200);

    expect((await post(agent, `/api/contacts/${keep}/merge`, { otherContactId: gone })).status).toBe(403);
    expect((await post(owner, `/api/contacts/${keep}/merge`, { otherContactId: keep })).body.code).toBe('SAME_CONTACT');
    expect((await post(owner, `/api/contacts/${keep}/merge`, { otherContactId: 'nope' })).body.code).toBe('VALIDATION_FAILED');

    const res = await post(admin, `/api/contacts/${keep}/merge`, { otherContactId: gone });
    expect(res.status).toBe(200);
    expect(res.body.contact).toMatchObject({
      id: keep,
      displayName: 'Anna (Messenger)',
      email: 'anna@example.com',
      identities: [expect.objectContaining({ externalId: 'psid-anna' }), expect.objectContaining({ externalId: '79123456789', channelKind: 'whatsapp' })],
    });
    expect(res.body.merge).toEqual({
      id: expect.any(String),
      mergedContactId: gone,
      mergedBy: admin.userId,
      moved: { identities: 1, conversations: 1, consents: 1 },
      consents: [
        { purpose: 'data_export', granted: false, from: 'kept' },
        { purpose: 'whatsapp_opt_in', granted: false, from: 'merged' },
      ],
      mergedAt: expect.any(String),
    });

    // Consents: the withdrawal of the merged contact stands with its source; crm_enrichment moved.
    const stored = await t.dbs.forTenant(owner, (tx) =>
      tx.query(`select purpose, granted, source from contact_consents where tenant_id = $1 and contact_id = $2 order by purpose`, [owner.tenantId, keep]),
    );
    expect(stored).toEqual([
      { purpose: 'crm_enrichment', granted: true, source: `form for ${gone}` },
      { purpose: 'data_export', granted: false, source: `form for ${keep}` },
      { purpose: 'whatsapp_opt_in', granted: false, source: `form for ${gone}` },
    ]);
    expect((await get(owner, `/api/conversations/${b.conversation.id}`)).body.contactId).toBe(keep);
    const gonePage = await get(owner, `/api/contacts/${gone}`);
    expect([gonePage.status, gonePage.body.code]).toEqual([404, 'CONTACT_MERGED']);
    expect(gonePage.body.message).toContain(keep);
    expect(await auditOf(owner, 'contact.merge')).toEqual([
      expect.objectContaining({ actor: `user:${admin.userId}`, subject: `contact:${keep}`, reason: expect.stringContaining(`merged contact:${gone}`) }),
    ]);

    // The moved identity keeps working: the End User's next WhatsApp message lands on the kept contact.
    const next = await t.inbound(owner, whatsapp, { channelKind: 'whatsapp', externalContactId: '79123456789', contactName: 'Anna P' });
    expect(next.conversation.contactId).toBe(keep);
    // Merging again with the gone contact: it no longer exists.
    expect((await post(owner, `/api/contacts/${keep}/merge`, { otherContactId: gone })).status).toBe(404);
  });

  it("never merges another tenant's contact", async () => {
    const owner = await t.signup();
    const stranger = await t.signup();
    const mine = (await post(owner, '/api/contacts', { displayName: 'Mine' })).body.id;
    const theirs = (await post(stranger, '/api/contacts', { displayName: 'Theirs' })).body.id;
    for (const [url, other] of [
      [`/api/contacts/${mine}/merge`, theirs],
      [`/api/contacts/${theirs}/merge`, mine],
    ]) {
      const res = await post(owner, url, { otherContactId: other });
      expect([res.status, res.body.code]).toEqual([404, 'CONTACT_NOT_FOUND']);
    }
    expect((await get(stranger, `/api/contacts/${theirs}`)).status).toBe(200);
    expect((await get(owner, `/api/contacts/${mine}`)).status).toBe(200);
  });
});
