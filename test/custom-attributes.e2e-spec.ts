import { TestApp, TestTenant } from './support/test-app';

/** Custom attributes: an organization's typed fields for contacts and conversations, checked on write, filterable in lists. */
describe('custom attributes', () => {
  let t: TestApp;
  let owner: TestTenant;
  let agent: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup();
    agent = await t.addUser(owner, 'agent');
    other = await t.signup();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const define = async (who: TestTenant, body: Record<string, unknown>) => {
    const res = await call(who, 'POST', '/api/attribute-definitions', body);
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };
  const newContact = async (who: TestTenant, body: Record<string, unknown>) => {
    const res = await call(who, 'POST', '/api/contacts', body);
    expect(res.status).toBe(201);
    return res.body as { id: string; customAttributes: Record<string, unknown> };
  };
  const contactIds = async (who: TestTenant, query: string) => {
    const res = await call(who, 'GET', `/api/contacts?${query}`);
    expect(res.status).toBe(200);
    return res.body.items.map((c: { id: string }) => c.id);
  };

  let tier: { id: string };
  let birthday: { id: string };

  it('lets owners and admins define attributes, agents only read them', async () => {
    tier = await define(owner, { entity: 'contact', key: 'tier', label: 'Loyalty tier', type: 'list', options: ['silver', 'gold'] });
    birthday = await define(owner, { entity: 'contact', key: 'birthday', label: 'Birthday', type: 'date' });
    await define(owner, { entity: 'contact', key: 'orders', label: 'Orders', type: 'number' });
    await define(owner, { entity: 'contact', key: 'note', label: 'Note', type: 'text' });
    // The same key may name a conversation attribute too.
    await define(owner, { entity: 'conversation', key: 'order_id', label: 'Order', type: 'text' });
    await define(owner, { entity: 'conversation', key: 'value', label: 'Order value', type: 'number' });

    expect((await call(agent, 'POST', '/api/attribute-definitions', { entity: 'contact', key: 'x', label: 'X', type: 'text' })).status).toBe(403);
    const listed = await call(agent, 'GET', '/api/attribute-definitions?entity=contact');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((d: { key: string }) => d.key)).toEqual(['birthday', 'note', 'orders', 'tier']);
    expect(listed.body.items.find((d: { key: string }) => d.key === 'tier')).toEqual({
      id: tier.id,
      entity: 'contact',
      key: 'tier',
      label: 'Loyalty tier',
      type: 'list',
      options: ['silver', 'gold'],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('refuses bad definitions with a code', async () => {
    const refused = async (body: Record<string, unknown>, status: number, code: string) =>
      expect((await call(owner, 'POST', '/api/attribute-definitions', body)).body).toMatchObject({ statusCode: status, code });
    await refused({ entity: 'contact', key: 'Bad-Key', label: 'x', type: 'text' }, 400, 'VALIDATION_FAILED');
    await refused({ entity: 'contact', key: 'constructor', label: 'x', type: 'text' }, 400, 'VALIDATION_FAILED');
    await refused({ entity: 'contact', key: 'size', label: 'x', type: 'list' }, 400, 'VALIDATION_FAILED');
    await refused({ entity: 'contact', key: 'size', label: 'x', type: 'list', options: ['a', 'a'] }, 400, 'VALIDATION_FAILED');
    await refused({ entity: 'contact', key: 'size', label: 'x', type: 'number', options: ['a'] }, 400, 'VALIDATION_FAILED');
    await refused({ entity: 'deal', key: 'size', label: 'x', type: 'text' }, 400, 'VALIDATION_FAILED');
    await refused({ entity: 'contact', key: 'tier', label: 'Again', type: 'text' }, 409, 'ATTRIBUTE_KEY_TAKEN');
    expect((await call(owner, 'PATCH', `/api/attribute-definitions/${tier.id}`, {})).body.code).toBe('EMPTY_PATCH');
  });

  it('checks values on write against their definitions, and keeps what was not sent', async () => {
    const bad = async (body: Record<string, unknown>, code: string) => {
      const res = await call(agent, 'POST', '/api/contacts', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
    };
    await bad({ displayName: 'A', customAttributes: { tier: 'platinum' } }, 'INVALID_ATTRIBUTE_VALUE');
    await bad({ displayName: 'A', customAttributes: { birthday: '1990-02-30' } }, 'INVALID_ATTRIBUTE_VALUE');
    await bad({ displayName: 'A', customAttributes: { orders: '3' } }, 'INVALID_ATTRIBUTE_VALUE');
    await bad({ displayName: 'A', customAttributes: { note: { toString: 1 } } }, 'INVALID_ATTRIBUTE_VALUE');
    await bad({ displayName: 'A', customAttributes: { note: 'x'.repeat(1001) } }, 'INVALID_ATTRIBUTE_VALUE');
    await bad({ displayName: 'A', customAttributes: { shoe_size: 42 } }, 'UNKNOWN_ATTRIBUTE');
    // The body parser refuses a __proto__ key anywhere before it could reach a check.
    await bad({ displayName: 'A', customAttributes: JSON.parse('{"__proto__": {"tier": "gold"}}') }, 'MALFORMED_JSON');
    await bad({ displayName: 'A', customAttributes: ['gold'] }, 'VALIDATION_FAILED');
    // Nothing of a refused write was stored.
    expect(await contactIds(owner, 'q=A')).toEqual([]);

    const anna = await newContact(agent, { displayName: 'Anna', customAttributes: { tier: 'gold', birthday: '1990-04-01', orders: 2 } });
    expect(anna.customAttributes).toEqual({ tier: 'gold', birthday: '1990-04-01', orders: 2 });
    const changed = await call(agent, 'PATCH', `/api/contacts/${anna.id}`, { customAttributes: { orders: 3, birthday: null } });
    expect(changed.status).toBe(200);
    expect(changed.body.customAttributes).toEqual({ tier: 'gold', orders: 3 });
    expect((await call(agent, 'PATCH', `/api/contacts/${anna.id}`, { displayName: 'Anna P.' })).body.customAttributes).toEqual({ tier: 'gold', orders: 3 });
  });

  it('filters the contacts directory by attribute values, all of them', async () => {
    const gold = await newContact(owner, { displayName: 'Gold one', customAttributes: { tier: 'gold', orders: 7 } });
    const silver = await newContact(owner, { displayName: 'Silver one', customAttributes: { tier: 'silver', orders: 7 } });
    const plain = await newContact(owner, { displayName: 'Plain one' });
    const goldIds = await contactIds(owner, 'attribute=tier:gold');
    expect(goldIds).toContain(gold.id);
    expect(goldIds).not.toContain(silver.id);
    expect(goldIds).not.toContain(plain.id);
    expect(await contactIds(owner, 'attribute=orders:7')).toEqual([silver.id, gold.id]);
    expect(await contactIds(owner, 'attribute=orders:7&attribute=tier:silver')).toEqual([silver.id]);
    expect(await contactIds(owner, 'attribute=orders:7&q=Gold')).toEqual([gold.id]);

    for (const [query, code] of [
      ['attribute=tier:platinum', 'INVALID_ATTRIBUTE_VALUE'],
      ['attribute=orders:many', 'INVALID_ATTRIBUTE_VALUE'],
      ['attribute=shoe_size:42', 'UNKNOWN_ATTRIBUTE'],
      ['attribute=tier', 'VALIDATION_FAILED'],
      [Array.from({ length: 11 }, () => 'attribute=tier:gold').join('&'), 'VALIDATION_FAILED'],
    ]) {
      const res = await call(owner, 'GET', `/api/contacts?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
    }
  });

  it('sets, removes and filters conversation attributes, live on the event stream', async () => {
    const channel = await t.createChannel(owner);
    const first = (await t.inbound(owner, channel)).conversation;
    const second = (await t.inbound(owner, channel)).conversation;
    const res = await call(agent, 'PATCH', `/api/conversations/${first.id}`, { customAttributes: { order_id: 'A-1', value: 99.5 } });
    expect(res.status).toBe(200);
    expect(res.body.customAttributes).toEqual({ order_id: 'A-1', value: 99.5 });
    expect((await call(agent, 'GET', `/api/conversations/${first.id}`)).body.customAttributes).toEqual({ order_id: 'A-1', value: 99.5 });
    await call(agent, 'PATCH', `/api/conversations/${second.id}`, { customAttributes: { order_id: 'B-2' } });

    const list = async (query: string) => (await call(agent, 'GET', `/api/conversations?${query}`)).body.items.map((c: { id: string }) => c.id);
    expect(await list('attribute=order_id:A-1')).toEqual([first.id]);
    expect(await list('attribute=value:99.5')).toEqual([first.id]);
    // A contact attribute is not a conversation attribute.
    expect((await call(agent, 'GET', '/api/conversations?attribute=tier:gold')).body.code).toBe('UNKNOWN_ATTRIBUTE');
    expect((await call(agent, 'PATCH', `/api/conversations/${first.id}`, { customAttributes: { tier: 'gold' } })).body.code).toBe('UNKNOWN_ATTRIBUTE');

    const removed = await call(agent, 'PATCH', `/api/conversations/${first.id}`, { customAttributes: { value: null } });
    expect(removed.body.customAttributes).toEqual({ order_id: 'A-1' });
    expect(await list('attribute=value:99.5')).toEqual([]);
  });

  it('keeps the contact that stays winning a merge, taking what it lacks from the other', async () => {
    const keep = await newContact(owner, { displayName: 'Keep', customAttributes: { tier: 'gold' } });
    const gone = await newContact(owner, { displayName: 'Gone', customAttributes: { tier: 'silver', birthday: '1985-12-31' } });
    const merged = await call(owner, 'POST', `/api/contacts/${keep.id}/merge`, { otherContactId: gone.id });
    expect(merged.status).toBe(200);
    expect(merged.body.contact.customAttributes).toEqual({ tier: 'gold', birthday: '1985-12-31' });
  });

  it("takes a deleted definition's values off every contact", async () => {
    const someone = await newContact(owner, { displayName: 'Born', customAttributes: { birthday: '2000-01-01', tier: 'silver' } });
    expect((await call(owner, 'DELETE', `/api/attribute-definitions/${birthday.id}`)).status).toBe(204);
    expect((await call(owner, 'GET', `/api/contacts/${someone.id}`)).body.customAttributes).toEqual({ tier: 'silver' });
    expect((await call(owner, 'GET', `/api/attribute-definitions/${birthday.id}`)).status).toBe(404);
    expect((await call(owner, 'PATCH', `/api/contacts/${someone.id}`, { customAttributes: { birthday: '2000-01-01' } })).body.code).toBe('UNKNOWN_ATTRIBUTE');
  });

  it("keeps each organization's definitions and values to itself", async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { label: 'Mine now' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(other, method, `/api/attribute-definitions/${tier.id}`, body);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ATTRIBUTE_NOT_FOUND');
    }
    expect((await call(other, 'GET', '/api/attribute-definitions')).body.items).toEqual([]);
    expect((await call(other, 'POST', '/api/contacts', { customAttributes: { tier: 'gold' } })).body.code).toBe('UNKNOWN_ATTRIBUTE');
    // Their own definition of the same key sees only their contacts.
    await define(other, { entity: 'contact', key: 'tier', label: 'Tier', type: 'list', options: ['gold'] });
    const theirs = await newContact(other, { customAttributes: { tier: 'gold' } });
    expect(await contactIds(other, 'attribute=tier:gold')).toEqual([theirs.id]);
    expect(await contactIds(owner, 'attribute=tier:gold')).not.toContain(theirs.id);
  });

  it("changes a list's options and its label, never its key or type", async () => {
    const res = await call(owner, 'PATCH', `/api/attribute-definitions/${tier.id}`, { label: 'Tier', options: ['silver', 'gold', 'platinum'], type: 'text' });
    expect(res.status).toBe(400); // type is not a field of the patch
    const ok = await call(owner, 'PATCH', `/api/attribute-definitions/${tier.id}`, { label: 'Tier', options: ['silver', 'gold', 'platinum'] });
    expect(ok.body).toMatchObject({ key: 'tier', type: 'list', label: 'Tier', options: ['silver', 'gold', 'platinum'] });
    expect((await newContact(owner, { customAttributes: { tier: 'platinum' } })).customAttributes).toEqual({ tier: 'platinum' });
  });
});
