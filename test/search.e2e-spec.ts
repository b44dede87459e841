import { TestApp, TestTenant } from './support/test-app';

/** GET /api/search: English and Russian text, notes, contacts, conversations; tenant-scoped; erased content gone at once. */
describe('search', () => {
  let t: TestApp;
  let owner: TestTenant;
  let agent: TestTenant;
  let channelId: string;
  const conv: Record<string, { id: string; contactId: string }> = {};
  const msg: Record<string, string> = {};

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup();
    agent = await t.addUser(owner, 'agent');
    channelId = await t.createChannel(owner);
    const say = async (key: string, psid: string, name: string, text: string) => {
      const r = await t.inbound(owner, channelId, { externalContactId: psid, contactName: name, text });
      conv[psid] = { id: r.conversation.id, contactId: r.conversation.contactId };
      msg[key] = r.message.id;
    };
    await say('en1', 'psid-john', 'John Smith', 'My order has not arrived yet, where is it?');
    await say('en2', 'psid-john', 'John Smith', 'Thanks, the parcel came today');
    await say('ru1', 'psid-anna', 'Анна Петрова', 'Где мой заказ? Заказы всегда опаздывают');
    await say('ru2', 'psid-anna', 'Анна Петрова', 'Спасибо за помощь!');
    await say('html', 'psid-mallory', 'Mallory', 'Order <b>now</b>: 5 < 6 & "quoted" > 2');
    await t.request('POST', `/api/conversations/${conv['psid-john'].id}/notes`, { token: owner.token, body: { text: 'VIP: refund the delayed order twice' } });

    // Another organization says the same things: never found.
    const other = await t.signup();
    const otherChannel = await t.createChannel(other);
    await t.inbound(other, otherChannel, { externalContactId: 'psid-john', contactName: 'John Smith', text: 'My order has not arrived yet' });
    await t.inbound(other, otherChannel, { externalContactId: 'psid-anna', contactName: 'Анна Петрова', text: 'Где мой заказ?' });
  });
  afterAll(() => t.close());

  const search = (q: string, type?: string, who: TestTenant = agent) =>
    t.request('GET', `/api/search?q=${encodeURIComponent(q)}${type ? `&type=${type}` : ''}`, { token: who.token });
  const hits = async (q: string, type?: string) => {
    const res = await search(q, type);
    expect(res.status).toBe(200);
    return res.body.items as Array<Record<string, any>>;
  };

  it('finds English words in any form, ranked, with highlighted snippets, notes included', async () => {
    const items = await hits('orders');
    expect(
      items
        .filter((i) => i.kind === 'message')
        .map((i) => i.id)
        .sort(),
    ).toEqual([msg.en1, msg.html].sort());
    expect(items.filter((i) => i.kind === 'note')).toHaveLength(1);
    const message = items.find((i) => i.id === msg.en1)!;
    expect(message).toMatchObject({
      kind: 'message',
      conversationId: conv['psid-john'].id,
      contact: { id: conv['psid-john'].contactId, displayName: 'John Smith' },
      direction: 'inbound',
      at: expect.any(String),
      rank: expect.any(Number),
    });
    expect(message.snippet).toContain('My <mark>order</mark> has not arrived');
    const note = items.find((i) => i.kind === 'note')!;
    expect(note).toMatchObject({ conversationId: conv['psid-john'].id, authorId: owner.userId, direction: null });
    expect(note.snippet).toContain('<mark>order</mark>');
    for (let i = 1; i < items.length; i++) expect(items[i - 1].rank).toBeGreaterThanOrEqual(items[i].rank);

    expect((await hits('"has not arrived"')).map((i) => i.id)).toEqual([msg.en1]);
    expect((await hits('order -parcel -refund -quoted')).map((i) => i.id)).toEqual([msg.en1]);
    expect((await hits('parcels came')).map((i) => i.id)).toEqual([msg.en2]);
  });

  it('finds Russian words in any grammatical form', async () => {
    const items = await hits('заказы');
    expect(items.map((i) => i.id)).toEqual([msg.ru1]);
    expect(items[0].snippet).toContain('<mark>заказ</mark>');
    expect(items[0].snippet).toContain('<mark>Заказы</mark>');
    expect((await hits('помощи')).map((i) => i.id)).toEqual([msg.ru2]);
    expect((await hits('опоздание')).map((i) => i.id)).toEqual([]);
  });

  it('escapes the text of a snippet: only its <mark> tags are markup', async () => {
    const [item] = await hits('quoted');
    expect(item.id).toBe(msg.html);
    expect(item.snippet).toContain('5 &#60; 6 &#38; &#34;<mark>quoted</mark>&#34; &#62; 2');
    expect(item.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
  });

  it('answers nothing (not an error) for stop words, punctuation and tsquery syntax', async () => {
    for (const q of ['the', 'и', '!!!', "' or 1=1 --", 'a & | ! ( ) : * <-> \\', '"unterminated', '\u{1F600}']) {
      const res = await search(q);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
  });

  it('finds contacts by part of a name, e-mail, phone in any format or platform id', async () => {
    await t.request('PATCH', `/api/contacts/${conv['psid-anna'].contactId}`, {
      token: owner.token,
      body: { phone: '+7 912 345-67-89', email: 'anna@example.ru' },
    });
    const by = async (q: string) => (await hits(q, 'contacts')).map((i) => i.id);
    expect(await by('Петров')).toEqual([conv['psid-anna'].contactId]);
    expect(await by('петрова анна')).toEqual([conv['psid-anna'].contactId]);
    expect(await by('8 912 345 67 89'.replace(/^8/, '+7'))).toEqual([conv['psid-anna'].contactId]);
    expect(await by('345 67 89')).toEqual([conv['psid-anna'].contactId]);
    expect(await by('anna@example')).toEqual([conv['psid-anna'].contactId]);
    expect(await by('psid-john')).toEqual([conv['psid-john'].contactId]);
    const [anna] = await hits('Петров', 'contacts');
    expect(anna).toMatchObject({
      kind: 'contact',
      displayName: 'Анна Петрова',
      phone: '+79123456789',
      email: 'anna@example.ru',
      snippet: 'Анна <mark>Петров</mark>а',
    });
    expect(await by('Smith')).toEqual([conv['psid-john'].contactId]); // only this organization's John
  });

  it('finds conversations by id, by contact and by message text', async () => {
    const by = async (q: string) => (await hits(q, 'conversations')).map((i) => i.id);
    expect(await by(conv['psid-anna'].id)).toEqual([conv['psid-anna'].id]);
    expect(await by(conv['psid-anna'].id.toUpperCase())).toEqual([conv['psid-anna'].id]);
    expect(await by('Mallory')).toEqual([conv['psid-mallory'].id]);
    const [byText] = await hits('parcel', 'conversations');
    expect(byText).toMatchObject({ kind: 'conversation', id: conv['psid-john'].id, contact: { displayName: 'John Smith' }, status: 'open', channelId });
    expect(byText.snippet).toContain('<mark>parcel</mark>');
    // Found through its contact only: no snippet; found by id: first, whatever else matches.
    expect((await hits('Mallory', 'conversations'))[0].snippet).toBeNull();
    const res = await t.request('GET', `/api/search?type=conversations&limit=1&q=${conv['psid-john'].id}`, { token: agent.token });
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([conv['psid-john'].id]);
    expect((await hits('order', 'conversations')).map((i) => i.id).sort()).toEqual([conv['psid-john'].id, conv['psid-mallory'].id].sort());
  });

  it('another organization finds nothing of ours, not even by id', async () => {
    const stranger = await t.signup();
    for (const [q, type] of [
      ['order', 'messages'],
      ['заказ', 'messages'],
      ['John', 'contacts'],
      [conv['psid-anna'].id, 'conversations'],
    ]) {
      expect((await search(q, type, stranger)).body.items).toEqual([]);
    }
  });

  it('forgets an erased message at once: deleted by the End User, and an erased contact', async () => {
    const r = await t.inbound(owner, channelId, { externalContactId: 'psid-eraseme', contactName: 'Erase Me', text: 'secret pineapple delivery' });
    const gone = await t.inbound(owner, channelId, { externalContactId: 'psid-unsend', contactName: 'Unsend', text: 'another pineapple message' });
    expect((await hits('pineapple')).map((i) => i.id).sort()).toEqual([r.message.id, gone.message.id].sort());

    expect(await t.conversations.eraseMessageContent(owner, channelId, gone.message.externalId!)).toBe(true);
    expect((await hits('pineapple')).map((i) => i.id)).toEqual([r.message.id]);

    expect((await t.request('DELETE', `/api/contacts/${r.conversation.contactId}`, { token: owner.token })).status).toBe(200);
    expect(await hits('pineapple')).toEqual([]);
    expect(await hits('Erase Me', 'contacts')).toEqual([]);
    expect(await hits(r.conversation.id, 'conversations')).toEqual([]);
  });

  it('refuses bad input with stable codes', async () => {
    for (const url of [
      '/api/search',
      '/api/search?q=',
      '/api/search?q=x&type=users',
      '/api/search?q=x&limit=0',
      '/api/search?q=x&limit=51',
      `/api/search?q=${'x'.repeat(201)}`,
    ]) {
      const res = await t.request('GET', url, { token: agent.token });
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await t.request('GET', '/api/search?q=order')).status).toBe(401);
  });
});
