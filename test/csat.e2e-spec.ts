import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Clock } from '../libs/domain/src';
import { CsatService } from '../src/csat/csat.service';
import { SseReader } from './support/sse-reader';
import { TestApp, TestTenant } from './support/test-app';

const SHOP = 'https://shop.example';

/**
 * Customer satisfaction: once a person resolves a conversation on web chat, e-mail or WhatsApp
 * (within its window), the contact is asked for a 1-5 rating, once per resolution, where the
 * channel's settings say so; the rating comes back as a bare number, from the widget or from an
 * e-mail's signed link, once; reports count asked, answered, the average and the distribution.
 */
describe('CSAT', () => {
  let t: TestApp;
  let now: Date;
  let ip = 0;
  let base: string;
  const streams: SseReader[] = [];
  beforeAll(async () => {
    t = await TestApp.start();
    now = new Date();
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => now);
    // The agents' live stream (GET /api/events) needs a socket.
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterEach(() => streams.splice(0).forEach((s) => s.close()));
  afterAll(() => t.close());

  const liveStream = async (who: TestTenant) => {
    const s = await SseReader.open(`${base}/api/events`, { authorization: `Bearer ${who.token}` });
    streams.push(s);
    expect(s.status).toBe(200);
    return s;
  };
  /** The next conversation.updated of `conversationId` on `stream` that carries its satisfaction. */
  const satisfactionOn = async (stream: SseReader, conversationId: string) =>
    (await stream.next((f) => f.event === 'conversation.updated' && f.data.data.id === conversationId && 'satisfaction' in f.data.data)).data.data;

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const settle = () => t.app.get(CsatService).settled();
  const outbound = async (owner: TestTenant, conversationId: string) =>
    ((await call(owner, 'GET', `/api/conversations/${conversationId}/messages?limit=100`)).body.items as Array<Record<string, any>>)
      .filter((m) => m.direction === 'outbound' && m.autoReply)
      .map((m) => m.text as string);
  const conversation = async (owner: TestTenant, id: string) => (await call(owner, 'GET', `/api/conversations/${id}`)).body;

  /** A contact writes, the agent answers, the owner resolves it (assigned to the agent): answers the conversation. */
  async function served(owner: TestTenant, agent: TestTenant, channelId: string, channelKind: string, contact: string, resolve = true) {
    const id = (await t.inbound(owner, channelId, { channelKind: channelKind as 'webchat', externalContactId: contact, sentAt: now })).conversation.id;
    expect((await call(agent, 'POST', `/api/conversations/${id}/messages`, { text: 'Done, anything else?' })).status).toBe(202);
    if (!resolve) return id;
    expect((await call(owner, 'PATCH', `/api/conversations/${id}`, { status: 'resolved', assigneeId: agent.userId })).status).toBe(200);
    await settle();
    return id;
  }

  it('owners and admins turn it on per channel (web chat, e-mail, WhatsApp); another organization’s channel is 404', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const chat = await t.createChannel(owner, 'webchat');
    const messenger = await t.createChannel(owner, 'messenger');
    expect((await call(owner, 'GET', '/api/csat/settings')).body.items).toEqual(
      expect.arrayContaining([
        { channelId: chat, supported: true, enabled: false, language: 'en', question: null, effectiveQuestion: 'How would you rate the help you received?' },
        expect.objectContaining({ channelId: messenger, supported: false, enabled: false }),
      ]),
    );
    const saved = await call(owner, 'PUT', `/api/csat/settings/${chat}`, { enabled: true, language: 'ru' });
    expect(saved.body).toEqual({
      channelId: chat,
      supported: true,
      enabled: true,
      language: 'ru',
      question: null,
      effectiveQuestion: 'Как вы оцените помощь, которую получили?',
    });
    expect((await call(owner, 'PUT', `/api/csat/settings/${messenger}`, { enabled: true })).body.code).toBe('CSAT_NOT_SUPPORTED');
    expect((await call(owner, 'PUT', `/api/csat/settings/${chat}`, { enabled: true, language: 'de' })).body.code).toBe('VALIDATION_FAILED');
    expect((await call(agent, 'PUT', `/api/csat/settings/${chat}`, { enabled: false })).body.code).toBe('ROLE_REQUIRED');
    const other = await t.signup();
    const foreign = await call(other, 'PUT', `/api/csat/settings/${chat}`, { enabled: false });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'CHANNEL_NOT_FOUND']);
    expect((await call(other, 'GET', '/api/csat/settings')).body.items).toEqual([]);
  });

  it('asks once per resolution; a bare "4" is the rating and leaves the conversation resolved; a second rating is a message', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const chat = await t.createChannel(owner, 'webchat');
    await call(owner, 'PUT', `/api/csat/settings/${chat}`, { enabled: true, question: 'Did we help you today?' });

    const id = await served(owner, agent, chat, 'webchat', 'anon:visitor-1');
    expect(await outbound(owner, id)).toEqual(['Did we help you today?\nReply with a number from 1 (poor) to 5 (excellent).']);
    // Resolving what is resolved asks nothing more.
    await call(owner, 'PATCH', `/api/conversations/${id}`, { status: 'resolved' });
    await settle();
    expect((await outbound(owner, id)).length).toBe(1);

    expect((await conversation(agent, id)).satisfaction).toMatchObject({ rating: null, answeredVia: null });
    const rated = await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:visitor-1', text: ' 4 ' });
    expect(rated.conversation.id).toBe(id);
    // Agents see the rating on the conversation.
    expect(await conversation(agent, id)).toMatchObject({
      status: 'resolved',
      satisfaction: { rating: 4, answeredVia: 'reply', answeredAt: expect.any(String) },
    });
    // The rating is given: the next bare number is an ordinary message, in a new conversation.
    const again = await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:visitor-1', text: '5' });
    expect(again.conversation.id).not.toBe(id);
    expect(again.conversation.status).toBe('open');

    // Reopened and resolved again: a new resolution, a new survey.
    await call(owner, 'PATCH', `/api/conversations/${id}`, { status: 'open' });
    await call(owner, 'PATCH', `/api/conversations/${id}`, { status: 'resolved' });
    await settle();
    expect((await outbound(owner, id)).length).toBe(2);
    // A number written in a new exchange answers that exchange, not the survey still waiting.
    const hello = await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:visitor-1', text: 'one more question' });
    const count = await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:visitor-1', text: '3' });
    expect(count.conversation.id).toBe(hello.conversation.id);

    const day = now.toISOString().slice(0, 10);
    const byAgent = (await call(owner, 'GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=agent`)).body.items;
    expect(byAgent.find((r: { key: string }) => r.key === agent.userId)).toMatchObject({
      csatAsked: 2,
      csatAnswered: 1,
      csatAverage: 4,
      csatRatings: [0, 0, 0, 1, 0],
    });
    const csv = (await call(owner, 'GET', `/api/reports/conversations/csv?from=${day}&to=${day}&groupBy=channel`)).body as string;
    const [header, line] = csv.trim().split('\n');
    expect(header.split(',').slice(-8)).toEqual(['csatAsked', 'csatAnswered', 'csatAverage', 'csat1', 'csat2', 'csat3', 'csat4', 'csat5']);
    expect(line.split(',').slice(0, 1).concat(line.split(',').slice(-8))).toEqual([chat, '2', '1', '4', '0', '0', '0', '1', '0']);
  });

  it("the agents' live stream carries the survey asked, then its rating (by reply, from an e-mail link), to that organization only", async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const chat = await t.createChannel(owner, 'webchat');
    const mail = await t.createChannel(owner, 'email');
    for (const channel of [chat, mail]) await call(owner, 'PUT', `/api/csat/settings/${channel}`, { enabled: true });
    const other = await t.signup();
    const ours = await liveStream(agent);
    const theirs = await liveStream(other);

    const id = await served(owner, agent, chat, 'webchat', 'anon:live-1');
    // Asked: the conversation page's badge reads "Rating asked" from this.
    expect(await satisfactionOn(ours, id)).toEqual({ id, satisfaction: { askedAt: now.toISOString(), rating: null, answeredAt: null, answeredVia: null } });
    await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:live-1', text: '4' });
    expect(await satisfactionOn(ours, id)).toEqual({
      id,
      satisfaction: { askedAt: now.toISOString(), rating: 4, answeredAt: now.toISOString(), answeredVia: 'reply' },
    });

    const byMail = await served(owner, agent, mail, 'email', 'bea@example.test');
    expect((await satisfactionOn(ours, byMail)).satisfaction).toMatchObject({ rating: null });
    const [ask] = await outbound(owner, byMail);
    const two = new URL([...ask.matchAll(/https?:\/\/\S+\/csat\/\S+/g)][1][0]);
    const confirm = /href="([^"]+)"/.exec((await t.request('GET', two.pathname + two.search)).body as string)![1].replace(/&#38;/g, '&');
    expect((await t.request('GET', confirm)).status).toBe(200);
    expect((await satisfactionOn(ours, byMail)).satisfaction).toMatchObject({ rating: 2, answeredVia: 'link' });

    // Another organization's stream got none of it.
    const seen = JSON.stringify(await theirs.pending());
    for (const conversationId of [id, byMail]) expect(seen).not.toContain(conversationId);
    expect(seen).not.toContain('satisfaction');
  });

  it('does not ask when nobody answered (spam closed), after a vacation responder, when off, or outside the WhatsApp window', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const chat = await t.createChannel(owner, 'webchat');
    const wa = await t.createChannel(owner, 'whatsapp');
    const off = await t.createChannel(owner, 'webchat');
    for (const c of [chat, wa]) await call(owner, 'PUT', `/api/csat/settings/${c}`, { enabled: true });
    await call(owner, 'PUT', `/api/csat/settings/${off}`, { enabled: false });

    const spam = (await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:spammer' })).conversation.id;
    await call(owner, 'PATCH', `/api/conversations/${spam}`, { status: 'resolved' });
    const vacation = await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:away' });
    await call(agent, 'POST', `/api/conversations/${vacation.conversation.id}/messages`, { text: 'Here you go' });
    await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:away', autoReply: true, text: 'I am on holiday' });
    await call(owner, 'PATCH', `/api/conversations/${vacation.conversation.id}`, { status: 'resolved' });
    const quiet = await served(owner, agent, off, 'webchat', 'anon:quiet');
    await settle();
    for (const id of [spam, vacation.conversation.id, quiet]) expect(await outbound(owner, id)).toEqual([]);

    // Resolved in bulk from the inbox: asked like any resolution by a person (an unanswered one still is not).
    const bulk = await served(owner, agent, chat, 'webchat', 'anon:bulk', false);
    const junk = (await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:junk' })).conversation.id;
    expect((await call(owner, 'POST', '/api/conversations/bulk', { ids: [bulk, junk], set: { status: 'resolved' } })).status).toBe(200);
    await settle();
    expect((await outbound(owner, bulk)).length).toBe(1);
    expect(await outbound(owner, junk)).toEqual([]);

    // WhatsApp: resolved 25 hours after the contact last wrote, the window is closed: not asked, not counted.
    const wrote = new Date(now.getTime() - 25 * 3600_000);
    const late = (await t.inbound(owner, wa, { channelKind: 'whatsapp', externalContactId: '+15550002222', sentAt: wrote })).conversation.id;
    await t.dbs.forTenant(owner, (tx) => tx.query(`update conversations set first_response_at = $2 where id = $1`, [late, wrote]));
    await call(owner, 'PATCH', `/api/conversations/${late}`, { status: 'resolved' });
    await settle();
    expect(await outbound(owner, late)).toEqual([]);
    // Within the window it asks.
    const inWindow = await served(owner, agent, wa, 'whatsapp', '+15550003333');
    expect((await outbound(owner, inWindow)).length).toBe(1);
    const day = now.toISOString().slice(0, 10);
    const byChannel = (await call(owner, 'GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=channel`)).body.items;
    expect(byChannel.map((r: Record<string, unknown>) => [r.key, r.csatAsked]).sort()).toEqual(
      [
        [chat, 1],
        [off, 0],
        [wa, 1],
      ].sort(),
    );
  });

  it('e-mail: a signed link per rating, confirmed once; tampered links and another organization’s ids are 404', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const mail = await t.createChannel(owner, 'email');
    await call(owner, 'PUT', `/api/csat/settings/${mail}`, { enabled: true });
    const id = await served(owner, agent, mail, 'email', 'ann@example.test');
    const [ask] = await outbound(owner, id);
    expect(ask).toContain('Or choose your rating:');
    const links = [...ask.matchAll(/https?:\/\/\S+\/csat\/\S+/g)].map((m) => new URL(m[0]));
    expect(links.map((l) => l.searchParams.get('rating'))).toEqual(['1', '2', '3', '4', '5']);
    const five = links[4].pathname + links[4].search;

    const page = await t.request('GET', five);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const confirm = /href="([^"]+)"/.exec(page.body as string)![1].replace(/&#38;/g, '&');
    const other = await t.signup();
    const [, , region, tenantId, surveyId] = links[4].pathname.split('/');
    const query = links[4].search;
    for (const bad of [
      `/csat/${region}/${tenantId}/${surveyId}?rating=5&signature=${'A'.repeat(43)}`,
      `/csat/${region}/${other.tenantId}/${surveyId}${query}`,
      `/csat/${region}/${tenantId}/${randomUUID()}${query}`,
      `/csat/${region}/${tenantId}/${surveyId}${query.replace('rating=5', 'rating=9')}`,
      `/csat/nowhere/${tenantId}/${surveyId}${query}`,
    ])
      expect([bad, (await t.request('GET', bad)).body.code]).toEqual([bad, 'CSAT_SURVEY_NOT_FOUND']);
    // Opening the link alone (a mail scanner does) records nothing; confirming does, once.
    const done = await t.request('GET', confirm);
    expect(done.status).toBe(200);
    expect(done.body).toContain('Thank you');
    const twice = await t.request('GET', confirm);
    expect([twice.status, twice.body.code]).toEqual([409, 'CSAT_ALREADY_ANSWERED']);
    expect((await t.request('GET', links[0].pathname + links[0].search)).body.code).toBe('CSAT_ALREADY_ANSWERED');
    const day = now.toISOString().slice(0, 10);
    const items = (await call(owner, 'GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=channel`)).body.items;
    expect(items[0]).toMatchObject({ key: mail, csatAsked: 1, csatAnswered: 1, csatAverage: 5, csatRatings: [0, 0, 0, 0, 1] });
  });

  it('web chat: a rating typed in the chat (the inbound batch path) answers the survey and leaves the conversation resolved', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const { id: chat, config } = (
      await call(owner, 'POST', '/api/channels', { kind: 'webchat', name: 'Chat', config: { allowedOrigins: [SHOP] }, credentials: {} })
    ).body;
    await call(owner, 'PUT', `/api/csat/settings/${chat}`, { enabled: true });
    const post = (path: string, token: string, body: unknown) =>
      t.request('POST', `/webchat/${config.channelKey}/${path}`, {
        body,
        headers: { origin: SHOP, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        remoteAddress: `198.51.100.${++ip}`,
      });
    const session = (await post('sessions', '', {})).body.token;
    await post('messages', session, { clientMessageId: randomUUID(), text: 'Hi, my parcel is late' });
    await t.drainInbound();
    const [c] = (await call(owner, 'GET', `/api/conversations?channelId=${chat}`)).body.items;
    await call(agent, 'POST', `/api/conversations/${c.id}/messages`, { text: 'It arrives today.' });
    await call(owner, 'PATCH', `/api/conversations/${c.id}`, { status: 'resolved', assigneeId: agent.userId });
    await settle();
    await post('messages', session, { clientMessageId: randomUUID(), text: '⭐⭐⭐' });
    await post('messages', session, { clientMessageId: randomUUID(), text: 'thanks!' });
    await t.drainInbound();
    expect((await conversation(owner, c.id)).status).toBe('resolved');
    const inbound = ((await call(owner, 'GET', `/api/conversations/${c.id}/messages`)).body.items as Array<{ direction: string; text: string }>)
      .filter((m) => m.direction === 'inbound')
      .map((m) => m.text);
    expect(inbound).toEqual(['⭐⭐⭐', 'Hi, my parcel is late']);
    // The words after the rating start a new conversation, as any message after a resolution does.
    expect((await call(owner, 'GET', `/api/conversations?channelId=${chat}&status=open`)).body.items).toHaveLength(1);
    const day = now.toISOString().slice(0, 10);
    const items = (await call(owner, 'GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=channel`)).body.items;
    expect(items[0]).toMatchObject({ csatAsked: 1, csatAnswered: 1, csatAverage: 3, csatRatings: [0, 0, 1, 0, 0] });
  });

  it('web chat: the widget rates the visitor’s latest survey once; another visitor or channel cannot', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const created = await call(owner, 'POST', '/api/channels', { kind: 'webchat', name: 'Chat', config: { allowedOrigins: [SHOP] }, credentials: {} });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    const { id: chat, config } = created.body;
    await call(owner, 'PUT', `/api/csat/settings/${chat}`, { enabled: true });
    const widget = (path: string, token: string, body?: unknown) =>
      t.request('POST', `/webchat/${config.channelKey}/${path}`, {
        body: body ?? {},
        headers: { origin: SHOP, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        remoteAddress: `198.51.100.${++ip}`,
      });
    const session = (await widget('sessions', '')).body.token;
    const stranger = (await widget('sessions', '')).body.token;
    expect((await widget('messages', session, { clientMessageId: randomUUID(), text: 'Where is my order?' })).status).toBe(202);
    await t.drainInbound();
    expect((await widget('rating', session, { rating: 5 })).body.code).toBe('CSAT_SURVEY_NOT_FOUND'); // nothing asked yet
    const [c] = (await call(owner, 'GET', `/api/conversations?channelId=${chat}`)).body.items;
    await call(agent, 'POST', `/api/conversations/${c.id}/messages`, { text: 'On its way.' });
    await call(owner, 'PATCH', `/api/conversations/${c.id}`, { status: 'resolved', assigneeId: agent.userId });
    await settle();
    await t.drainOutbound(); // the visitor sees our messages once sent

    const surveyOf = async (token: string) =>
      (
        await t.request('GET', `/webchat/${config.channelKey}/messages`, {
          headers: { origin: SHOP, authorization: `Bearer ${token}` },
          remoteAddress: '198.51.100.250',
        })
      ).body.items.map((m: { from: string; survey: string | null }) => [m.from, m.survey]);
    expect(await surveyOf(session)).toEqual([
      ['agent', 'waiting'],
      ['agent', null],
      ['visitor', null],
    ]);
    expect((await widget('rating', stranger, { rating: 1 })).body.code).toBe('CSAT_SURVEY_NOT_FOUND');
    expect((await widget('rating', session, { rating: 6 })).body.code).toBe('VALIDATION_FAILED');
    expect((await widget('rating', session, { rating: 5 })).status).toBe(204);
    expect((await surveyOf(session))[0]).toEqual(['agent', 'rated']);
    const twice = await widget('rating', session, { rating: 1 });
    expect([twice.status, twice.body.code]).toEqual([409, 'CSAT_ALREADY_ANSWERED']);
    // A rating typed in the chat takes the inbound batch path; the survey of this resolution is rated already, so it is a message.
    expect((await widget('messages', session, { clientMessageId: randomUUID(), text: '2' })).status).toBe(202);
    await t.drainInbound();
    expect((await call(owner, 'GET', `/api/conversations?channelId=${chat}&status=open`)).body.items).toHaveLength(1);
    // Another organization's channel does not know this visitor's session.
    const other = await t.signup();
    const theirs = (await call(other, 'POST', '/api/channels', { kind: 'webchat', name: 'Chat', config: { allowedOrigins: [SHOP] }, credentials: {} })).body;
    const foreign = await t.request('POST', `/webchat/${theirs.config.channelKey}/rating`, {
      body: { rating: 3 },
      headers: { origin: SHOP, authorization: `Bearer ${session}` },
      remoteAddress: `198.51.100.${++ip}`,
    });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    const day = now.toISOString().slice(0, 10);
    const items = (await call(owner, 'GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=agent`)).body.items;
    expect(items.find((r: { key: string }) => r.key === agent.userId)).toMatchObject({ csatAsked: 1, csatAnswered: 1, csatAverage: 5 });
  });
});
